using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Models;

/// <summary>How a loaded model uses the CPU.</summary>
public sealed class InferenceOptions : IConfigSection
{
    /// <summary>Threads ONNX Runtime uses inside one operator. 1 keeps latency steady on a busy 2-core box.</summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Whether ORT's idle threads spin waiting for work. Spinning trades CPU burn for a little latency;
    /// off by default because the station shares its cores with capture and the link.</summary>
    public bool AllowSpinning { get; set; }

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        if (IntraOpThreads is < 1 or > 64)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "intraOpThreads"), $"is {IntraOpThreads}", "an integer in 1..64"));
        }
    }
}
