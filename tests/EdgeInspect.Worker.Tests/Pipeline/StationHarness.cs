using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeInspect.Worker.Tests.Pipeline;

/// <summary>
/// A station composed exactly as the verbs compose one (<see cref="StationServiceCollectionExtensions.AddEdgeInspectStation"/>)
/// from a station config built in memory, with whatever a test adds: observers, an inspector it drives, recording outputs.
/// </summary>
internal sealed class StationHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private StationHarness(ServiceProvider services)
    {
        _services = services;
        Runtime = services.GetRequiredService<StationRuntime>();
    }

    public StationRuntime Runtime { get; }

    public StationPipeline Pipeline => Runtime.Pipeline;

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    /// <summary>Validates <paramref name="config"/> with the station loader, composes the station and builds it.</summary>
    public static StationHarness Create(JsonObject config, Action<StationBuilder>? add = null)
    {
        var loaded = StationConfigLoader.CreateDefault().LoadJson(config.ToJsonString(), "test station");
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        var services = new ServiceCollection();
        var station = services.AddEdgeInspectStation(loaded.Config);
        add?.Invoke(station);
        return new StationHarness(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = true }));
    }

    /// <summary>A station on the repository's holdout frames (replayed once), the reference model, no link, no samples.</summary>
    public static JsonObject Config(string mode, string? decisionDeadline = null, double auditFraction = 0.02, string verdictTimeout = "00:00:30", string? frames = null)
    {
        var automation = new JsonObject { ["mode"] = mode, ["auditFraction"] = auditFraction, ["verdictTimeout"] = verdictTimeout, ["noDecisionAction"] = "reject" };
        if (decisionDeadline is not null)
        {
            automation["decisionDeadline"] = decisionDeadline;
        }

        return new JsonObject
        {
            ["station"] = new JsonObject { ["deviceId"] = "dev-test", ["site"] = "test", ["area"] = "a1", ["line"] = "l1", ["name"] = "st-test", ["configRevision"] = "test-1" },
            ["automation"] = automation,
            ["samples"] = new JsonObject { ["randomFraction"] = 0.0, ["saveDisagreements"] = false, ["saveUncertain"] = false },
            ["capture"] = new JsonObject { ["cameraId"] = "cam-test", ["source"] = "folder:" + (frames ?? Path.Combine(EdgeInspect.Tests.Shared.RepoPaths.PhoneSet("holdout"), "frames")), ["endOfStream"] = "stop" },
            ["model"] = new JsonObject { ["package"] = Path.Combine(EdgeInspect.Tests.Shared.RepoPaths.Models, "reference"), ["modelsFolder"] = EdgeInspect.Tests.Shared.RepoPaths.Models },
            ["link"] = new JsonObject { ["host"] = "127.0.0.1" },
            ["inspector"] = new JsonObject { ["backend"] = "none", ["allowRunWithoutInspector"] = true },
            ["pipeline"] = new JsonObject { ["metricsInterval"] = "01:00:00" },
        };
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}

/// <summary>Collects what the station publishes, in order, and lets a test wait for it.</summary>
internal sealed class CollectingSink : IStationSink
{
    public ConcurrentQueue<CompletedPart> Parts { get; } = new();

    public ConcurrentQueue<AuditRecord> Audits { get; } = new();

    public ConcurrentQueue<AlertTransition> Alerts { get; } = new();

    public ConcurrentQueue<StationEvent> Events { get; } = new();

    /// <summary>Runs on the output task for each part, before it is counted (to act where a real sink would).</summary>
    public Action<CompletedPart>? OnPart { get; init; }

    public ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken)
    {
        OnPart?.Invoke(part);
        Parts.Enqueue(part);
        return ValueTask.CompletedTask;
    }

    public ValueTask AuditAsync(AuditRecord audit, CancellationToken cancellationToken)
    {
        Audits.Enqueue(audit);
        return ValueTask.CompletedTask;
    }

    public ValueTask AlertAsync(AlertTransition transition, CancellationToken cancellationToken)
    {
        Alerts.Enqueue(transition);
        return ValueTask.CompletedTask;
    }

    public ValueTask EventAsync(StationEvent stationEvent, CancellationToken cancellationToken)
    {
        Events.Enqueue(stationEvent);
        return ValueTask.CompletedTask;
    }
}

/// <summary>An inspector the test presses for: nothing comes until the test says so.</summary>
internal sealed class ManualInspector() : InspectorInputBase(new InspectorRoster([("left", "ana")]))
{
    private long _firstPress;

    public override string BackendName => "manual";

    /// <summary>When the first press was made (TimeProvider.System timestamp); 0 before.</summary>
    public long FirstPressTimestamp => Interlocked.Read(ref _firstPress);

    public void Press(Verdict verdict)
    {
        var now = TimeProvider.System.GetTimestamp();
        Interlocked.CompareExchange(ref _firstPress, now, 0);
        Publish("left", verdict, now);
    }

    protected override void OnStart()
    {
    }
}

/// <summary>The line's outputs, recorded (GPIO hardware cannot exist here): when each reject pulse was asked for.</summary>
internal sealed class RecordingOutputs : IStationOutputs
{
    public ConcurrentQueue<long> RejectPulses { get; } = new();

    public void ShowSuggestion(Verdict? suggestion)
    {
    }

    public void SetNeedsHuman(bool needsHuman)
    {
    }

    public void PulseReject() => RejectPulses.Enqueue(TimeProvider.System.GetTimestamp());

    public void SetTowerLight(TowerLight light)
    {
    }

    public void AllInactive()
    {
    }

    public void Dispose()
    {
    }
}

internal static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }
}
