using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Worker.Config;

/// <summary>The "pipeline" section: queue sizes, the metrics period, and optional ground truth for replayed sources.</summary>
public sealed class PipelineSection : IConfigSection
{
    /// <summary>Frame buffers in the pool; bounds capture memory (640×480×3 bytes each).</summary>
    public int PoolFrames { get; set; } = 24;

    /// <summary>Frames queued between capture and inference.</summary>
    public int QueueFrames { get; set; } = 8;

    /// <summary>How often a metrics snapshot is published.</summary>
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>labels.csv of a replayed source, in frame order; the scripted inspector answers from it. Empty on a live camera.</summary>
    public string Labels { get; set; } = "";

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        if (PoolFrames < 2 || PoolFrames > 1024)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "poolFrames"), $"is {PoolFrames}", "a whole number of frames from 2 to 1024"));
        }

        if (QueueFrames < 1 || QueueFrames >= PoolFrames)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "queueFrames"), $"is {QueueFrames}", $"a whole number of frames from 1 to poolFrames - 1 ({PoolFrames - 1})"));
        }

        if (MetricsInterval < TimeSpan.FromMilliseconds(100) || MetricsInterval > TimeSpan.FromHours(1))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "metricsInterval"), $"is {MetricsInterval}", "a TimeSpan from 00:00:00.1 to 01:00:00, such as \"00:00:10\""));
        }
    }
}
