using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeInspect.Worker.Telemetry;

// Parameters are documented only where the name does not say enough.
#pragma warning disable CS1573

namespace EdgeInspect.Worker.Cli;

/// <summary>Counters from the end of warm-up: wall time, process CPU time, managed bytes, GC counts per generation.</summary>
internal readonly record struct BenchSteady(long Started, TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2)
{
    public static BenchSteady Start() => new(Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime, GC.GetTotalAllocatedBytes(precise: true),
        GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    public BenchWindow Stop() => new(Stopwatch.GetElapsedTime(Started), Environment.CpuUsage.TotalTime - Cpu, GC.GetTotalAllocatedBytes(precise: true) - Allocated,
        GC.CollectionCount(0) - Gen0, GC.CollectionCount(1) - Gen1, GC.CollectionCount(2) - Gen2);
}

/// <summary>What happened in a steady-state window.</summary>
/// <param name="Cpu">Process CPU time (every thread: capture, ORT, bookkeeping, link, the bench's own subscriber).</param>
internal readonly record struct BenchWindow(TimeSpan Elapsed, TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2);

/// <summary>One run of the bench: the bare loop, or the pipeline unpaced or at a fixed rate.</summary>
/// <param name="Rate">Camera frames per second; 0 when unpaced.</param>
/// <param name="SteadyFrames">Frames (parts) inside the window.</param>
/// <param name="Received">Results a subscriber received over MQTT (pipeline runs).</param>
/// <param name="SteadyRssBytes">The process's RSS at the end of the window (pipeline runs).</param>
internal sealed record BenchRunFigures(string Kind, int Threads, double Rate, long Frames, BenchWindow Window, int SteadyFrames,
    IReadOnlyDictionary<string, LatencySummary> Stages, long? Received, DecisionFigures? Decision, long? SteadyRssBytes)
{
    public double Fps => SteadyFrames / Window.Elapsed.TotalSeconds;

    public double CpuMsPerFrame => Window.Cpu.TotalMilliseconds / SteadyFrames;

    public double AllocatedPerFrame => Window.Allocated / (double)SteadyFrames;

    public JsonObject ToJson()
    {
        var stages = new JsonObject();
        foreach (var (name, s) in Stages)
        {
            stages[name] = new JsonObject { ["count"] = s.Count, ["p50Ms"] = Round(s.P50Seconds * 1000), ["p99Ms"] = Round(s.P99Seconds * 1000), ["maxMs"] = Round(s.MaxSeconds * 1000) };
        }

        var json = new JsonObject
        {
            ["kind"] = Kind,
            ["threads"] = Threads,
            ["rate"] = Rate,
            ["frames"] = Frames,
            ["steadyFrames"] = SteadyFrames,
            ["fps"] = Round(Fps),
            ["cpuMsPerFrame"] = Round(CpuMsPerFrame),
            ["allocatedBytesPerFrame"] = Round(AllocatedPerFrame),
            ["gc"] = new JsonObject { ["gen0"] = Window.Gen0, ["gen1"] = Window.Gen1, ["gen2"] = Window.Gen2 },
            ["stages"] = stages,
        };
        if (Received is { } received)
        {
            json["resultsReceivedOverMqtt"] = received;
        }

        if (SteadyRssBytes is { } rss)
        {
            json["steadyRssBytes"] = rss;
        }

        if (Decision is { } decision)
        {
            json["decision"] = decision.ToJson();
        }

        return json;
    }

    public static double Round(double value) => Math.Round(value, 4);
}
