using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Core.Records;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Pipeline;
using EdgeInspect.Worker.Tests.Pipeline;

namespace EdgeInspect.Worker.Tests.Monitoring;

/// <summary>
/// The fall-back rule on incident diagnoses, through the whole station: a live station whose light dims raises a
/// lighting incident, and control falls back to shadow only when promotion:fallbackToShadow:diagnoses lists lighting.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StationIncidentFallbackTests
{
    [Fact]
    public async Task A_Lighting_Incident_Sends_A_Live_Station_Back_To_Shadow_When_Lighting_Is_Listed()
    {
        var (incidents, events) = await RunDimmingLiveStationAsync(["lighting"]);

        var raised = Assert.Single(incidents, e => e.Kind == IncidentEventKind.Raised);
        Assert.Equal(IncidentClass.Lighting, raised.Incident.Diagnosis.Class);
        var fallback = Assert.Single(events.OfType<ModeChanged>(), m => m.From is not null);
        Assert.Equal((AutomationMode.Live, AutomationMode.Shadow, ModeChangeSource.IncidentFallback), (fallback.From!.Value, fallback.To, fallback.Source));
        Assert.Equal(raised.Incident.Id, fallback.ChangedBy);
        Assert.Contains("lighting", fallback.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Lighting_Incident_Leaves_The_Station_Live_When_Only_Concept_And_Product_Fall_Back()
    {
        var (incidents, events) = await RunDimmingLiveStationAsync(["concept", "product"]);

        // The incident was raised (the run ended after it), and no mode change followed it.
        var raised = Assert.Single(incidents, e => e.Kind == IncidentEventKind.Raised);
        Assert.Equal(IncidentClass.Lighting, raised.Incident.Diagnosis.Class);
        Assert.All(incidents, e => Assert.Equal(IncidentClass.Lighting, e.Incident.Diagnosis.Class));
        Assert.DoesNotContain(events.OfType<ModeChanged>(), m => m.From is not null);
    }

    /// <summary>1,000 holdout frames, then 600 of the dim set, read from files by a live station on the reference model.</summary>
    private static async Task<(List<IncidentEvent> Incidents, List<StationEvent> Events)> RunDimmingLiveStationAsync(string[] diagnoses)
    {
        using var folder = new TempDirectory("incident-fallback");
        var random = new Random(7);
        var holdout = Frames("holdout");
        var dim = Frames("dim");
        for (var i = 0; i < 1600; i++)
        {
            var file = i < 1000 ? holdout[random.Next(holdout.Length)] : dim[random.Next(dim.Length)];
            File.CreateSymbolicLink(Path.Combine(folder.Path, $"{i:D6}.jpg"), file);
        }

        // After a fall back nobody answers for a human: a short verdict timeout keeps the parts moving (no decision, rejected).
        var config = StationHarness.Config("live", auditFraction: 0, verdictTimeout: "00:00:00.100", frames: folder.Path);
        config["promotion"] = new JsonObject
        {
            ["fallbackToShadow"] = new JsonObject { ["enabled"] = true, ["diagnoses"] = new JsonArray(diagnoses.Select(d => (JsonNode)d).ToArray()) },
        };
        var sink = new IncidentSink();
        await using var station = StationHarness.Create(config, s => s.AddObserver(sink));
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        // The stream ends by itself (endOfStream: stop); the run returns once every stage has drained.
        await station.Runtime.RunAsync(stop.Token);

        Assert.Equal(1600, sink.Parts);
        return (sink.Incidents.ToList(), sink.Events.ToList());
    }

    private static string[] Frames(string set) =>
        Directory.GetFiles(Path.Combine(RepoPaths.PhoneSet(set), "frames"), "*.jpg").Order(StringComparer.Ordinal).ToArray();

    private sealed class IncidentSink : IStationSink
    {
        private long _parts;

        public long Parts => Interlocked.Read(ref _parts);

        public ConcurrentQueue<IncidentEvent> Incidents { get; } = new();

        public ConcurrentQueue<StationEvent> Events { get; } = new();

        public ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _parts);
            return ValueTask.CompletedTask;
        }

        public ValueTask IncidentAsync(IncidentEvent incident, CancellationToken cancellationToken)
        {
            Incidents.Enqueue(incident);
            return ValueTask.CompletedTask;
        }

        public ValueTask EventAsync(StationEvent stationEvent, CancellationToken cancellationToken)
        {
            Events.Enqueue(stationEvent);
            return ValueTask.CompletedTask;
        }
    }
}
