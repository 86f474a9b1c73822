using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Worker.Configuration;

namespace EdgeInspect.Worker.Hosting;

/// <summary>
/// The cmd/{verb} allow-list of a station and what each verb does. The dispatcher validates each body against the
/// verb's schema before a handler runs; every answer goes to cmd/response and the audit trail.
/// </summary>
internal static class StationCommands
{
    private static readonly string[] Modes = Enum.GetNames<AutomationMode>().Select(m => m.ToLowerInvariant()).ToArray();

    public static void Register(CommandDispatcher dispatcher, StationRuntime station, ModelSection models)
    {
        var pipeline = station.Pipeline;
        dispatcher
            .Register(new DelegateCommandHandler("set-mode",
                new CommandSchema(new ArgSpec("mode", ArgType.String, Required: true, OneOf: Modes), new ArgSpec("by", ArgType.String, Required: false, MaxLength: 128), new ArgSpec("reason", ArgType.String, Required: false, MaxLength: 512)),
                (request, _) =>
                {
                    var mode = Enum.Parse<AutomationMode>(request.Args.GetProperty("mode").GetString()!, ignoreCase: true);
                    pipeline.SetMode(mode, ModeChangeSource.Command, By(request), Optional(request, "reason"));
                    station.RefreshStatus();
                    return ValueTask.FromResult(CommandOutcome.Accept($"mode is {mode.ToString().ToLowerInvariant()}"));
                }))
            .Register(new DelegateCommandHandler("load-candidate",
                new CommandSchema(new ArgSpec("package", ArgType.String, Required: true, MaxLength: 128), new ArgSpec("by", ArgType.String, Required: false, MaxLength: 128)),
                async (request, cancellationToken) =>
                {
                    var name = request.Args.GetProperty("package").GetString()!;
                    try
                    {
                        var folder = models.CandidateFolder(name);
                        // Loading runs the self-test: off the MQTT thread, and the active model keeps serving meanwhile.
                        await Task.Run(() => pipeline.LoadCandidate(folder, By(request)), cancellationToken);
                        return CommandOutcome.Accept($"candidate {pipeline.Models.Candidate?.Identity} loaded; it runs in shadow beside the active model");
                    }
                    catch (Exception e) when (e is ModelPackageException or ArgumentException or IOException)
                    {
                        return CommandOutcome.Reject($"candidate '{name}' refused, the active model keeps serving: {e.Message}");
                    }
                }))
            .Register(new DelegateCommandHandler("promote", new CommandSchema(new ArgSpec("by", ArgType.String, Required: false, MaxLength: 128)),
                (request, _) =>
                {
                    var ok = pipeline.Promote(By(request));
                    station.RefreshStatus();
                    return ValueTask.FromResult(ok ? CommandOutcome.Accept($"{pipeline.Models.Active?.Identity} is active") : CommandOutcome.Reject("no candidate is loaded; send load-candidate first"));
                }))
            .Register(new DelegateCommandHandler("rollback", new CommandSchema(new ArgSpec("by", ArgType.String, Required: false, MaxLength: 128)),
                (request, _) =>
                {
                    var ok = pipeline.Rollback(By(request));
                    station.RefreshStatus();
                    return ValueTask.FromResult(ok ? CommandOutcome.Accept($"{pipeline.Models.Active?.Identity} is active again") : CommandOutcome.Reject("there is no previous model to roll back to"));
                }))
            .Register(new DelegateCommandHandler("set-inspector",
                new CommandSchema(new ArgSpec("position", ArgType.String, Required: true, MaxLength: 64), new ArgSpec("inspectorId", ArgType.String, Required: true, MaxLength: 128)),
                (request, _) =>
                {
                    var position = request.Args.GetProperty("position").GetString()!;
                    var id = request.Args.GetProperty("inspectorId").GetString()!;
                    return ValueTask.FromResult(station.Setup.Inspector.TrySetInspector(position, id)
                        ? CommandOutcome.Accept($"{id} is at {position}")
                        : CommandOutcome.Reject($"no inspector position '{position}' in this station"));
                }))
            .Register(new DelegateCommandHandler("set-threshold",
                new CommandSchema(new ArgSpec("detector", ArgType.String, Required: true, MaxLength: 128), new ArgSpec("threshold", ArgType.Number, Required: true, Min: 0, Max: 1000)),
                (request, _) =>
                {
                    var detector = request.Args.GetProperty("detector").GetString()!;
                    var threshold = request.Args.GetProperty("threshold").GetDouble();
                    if (threshold <= 0)
                    {
                        // The schema's range is inclusive; a zero threshold would alert on everything (the detectors refuse it).
                        return ValueTask.FromResult(CommandOutcome.Reject($"argument 'threshold' is {threshold}; expected a number above 0, at most 1000"));
                    }

                    return ValueTask.FromResult(pipeline.SetDriftThreshold(detector, threshold)
                        ? CommandOutcome.Accept($"{detector} threshold is {threshold}")
                        : CommandOutcome.Reject($"no drift detector or family named '{detector}'"));
                }))
            .Register(new DelegateCommandHandler("trigger", new CommandSchema(new ArgSpec("count", ArgType.Integer, Required: false, Min: 1, Max: 100)),
                (request, _) =>
                {
                    var count = request.Args.ValueKind == System.Text.Json.JsonValueKind.Object && request.Args.TryGetProperty("count", out var c) ? c.GetInt32() : 1;
                    for (var i = 0; i < count; i++)
                    {
                        if (!pipeline.Trigger())
                        {
                            return ValueTask.FromResult(CommandOutcome.Reject("capture is not in triggered mode (capture.mode is \"freeRun\")"));
                        }
                    }

                    return ValueTask.FromResult(CommandOutcome.Accept($"{count} part(s) triggered"));
                }))
            .Register(new DelegateCommandHandler("snapshot", CommandSchema.Empty,
                (_, _) =>
                {
                    pipeline.PublishSnapshot();
                    return ValueTask.FromResult(CommandOutcome.Accept("metrics snapshot queued"));
                }));
    }

    private static string By(CommandRequest request) => Optional(request, "by") ?? $"mqtt:{request.CorrelationId}";

    private static string? Optional(CommandRequest request, string name) =>
        request.Args.ValueKind == System.Text.Json.JsonValueKind.Object && request.Args.TryGetProperty(name, out var value) ? value.GetString() : null;
}
