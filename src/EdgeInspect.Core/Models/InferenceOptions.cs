using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Models;

/// <summary>How a loaded model uses the CPU.</summary>
public sealed class InferenceOptions : IConfigSection
{
    /// <summary>
    /// Threads ONNX Runtime uses inside one operator; 0 (the default) chooses from the cores the station has
    /// (<see cref="ChooseIntraOpThreads"/>). An explicit count is taken as it is.
    /// </summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Whether ORT's idle threads spin waiting for work; null (the default) chooses from the cores
    /// (<see cref="ChooseAllowSpinning"/>). Spinning trades CPU burn for a little latency.</summary>
    public bool? AllowSpinning { get; set; }

    /// <summary>
    /// ORT's CPU arena and memory pattern (on by default). Off trades a little time per run (intermediate tensors
    /// come from malloc each run) for the arena's retained memory; see docs/performance.md, "Memory".
    /// </summary>
    public bool CpuMemoryArena { get; set; } = true;

    /// <summary>The intra-op thread count this station runs with on <paramref name="cores"/> cores.</summary>
    public int ResolvedIntraOpThreads(int cores) => IntraOpThreads > 0 ? IntraOpThreads : ChooseIntraOpThreads(cores);

    /// <summary>Whether ORT's threads spin on <paramref name="cores"/> cores with <paramref name="intraOpThreads"/> of them.</summary>
    public bool ResolvedAllowSpinning(int cores, int intraOpThreads) => AllowSpinning ?? ChooseAllowSpinning(cores, intraOpThreads);

    /// <summary>
    /// One core stays for the rest of the station (capture and JPEG decode on their own thread, then input metrics,
    /// routing, the record, the outbox and the link), the others go to ORT, at most 4: the reference model's
    /// operators do not scale past that. On 2 cores that is 1 thread: a second ORT thread there competes with
    /// capture and bookkeeping for the same cores (issue 18 measured no gain in the pipeline, 35% in a bare loop).
    /// <see cref="Environment.ProcessorCount"/> already honours a cgroup CPU limit (a container's quota).
    /// </summary>
    public static int ChooseIntraOpThreads(int cores) => Math.Clamp(cores - 1, 1, 4);

    /// <summary>
    /// Spinning only where ORT's pool has cores to itself: with 1 intra-op thread there is no pool (the caller's
    /// thread runs the graph) and nothing to spin; otherwise only when a core is left over beyond ORT's threads and
    /// the station's own, because at a line's 30 fps a spinning thread burns CPU for the whole gap between frames.
    /// </summary>
    public static bool ChooseAllowSpinning(int cores, int intraOpThreads) => intraOpThreads > 1 && cores >= intraOpThreads + 2;

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        if (IntraOpThreads is < 0 or > 64)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "intraOpThreads"), $"is {IntraOpThreads}", "an integer in 1..64, or 0 to choose from the cores"));
        }
    }
}
