using EdgeInspect.Core.Inspection;
using EdgeInspect.Worker.Pipeline;

namespace EdgeInspect.Worker.Hosting;

/// <summary>
/// Something that runs beside the pipeline and must stop after it: the plant link, which flushes the outbox to the
/// broker after the last record is written. Registered by the host (<see cref="PlantLinkRegistration.AddPlantLink"/>).
/// </summary>
public interface IStationCompanion
{
    /// <summary>Runs until <paramref name="stoppingToken"/> is cancelled, which happens after the pipeline drained.</summary>
    Task RunAsync(CancellationToken stoppingToken);

    /// <summary>The pipeline has handed every message to the sinks; finish what depends on that (e.g. wait for the outbox's disk writes).</summary>
    ValueTask PipelineDrainedAsync();
}

/// <summary>
/// One station, composed by <see cref="StationServiceCollectionExtensions.AddEdgeInspectStation"/>: runs the pipeline
/// and its companions, and shuts down in order: pipeline drained, companions told, outputs inactive, companions stopped
/// (the link flushes the outbox while the broker is reachable, then publishes its offline status).
/// </summary>
public sealed class StationRuntime(StationPipeline pipeline, IEnumerable<IStationCompanion> companions, IStationOutputs outputs, ILogger<StationRuntime> logger)
{
    private readonly IStationCompanion[] _companions = [.. companions];

    public StationPipeline Pipeline => pipeline;

    /// <summary>Runs until the source ends or <paramref name="stoppingToken"/> is cancelled; then shuts down in order.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var companionsStop = new CancellationTokenSource();
        var running = _companions.Select(c => Task.Run(() => c.RunAsync(companionsStop.Token), CancellationToken.None)).ToArray();
        try
        {
            await pipeline.RunAsync(stoppingToken);
            foreach (var companion in _companions)
            {
                await companion.PipelineDrainedAsync();
            }
        }
        finally
        {
            outputs.AllInactive();
            await companionsStop.CancelAsync();
            await Task.WhenAll(running);
            logger.LogInformation("Station stopped");
        }
    }
}
