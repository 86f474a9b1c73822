using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Tests.Link;
using Xunit.Abstractions;

namespace EdgeInspect.Worker.Tests.Reliability;

/// <summary>
/// Crash loops (issue 19): the outbox and plant link process (`edgeinspect link-soak`, the station's own Outbox and
/// LinkService, printing each seq once it is committed) publishing to a real mosquitto with a gateway subscribed,
/// SIGKILLed at random moments and restarted on the same outbox file. CI runs 12 kills;
/// EDGEINSPECT_CRASH_CYCLES=100 runs the documented campaign.
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Reliability")]
public sealed class CrashLoopTests(ITestOutputHelper output)
{
    private const string Device = "crash-01";
    private const string Results = "edgeinspect/site/area/line/crash-01/result";

    [Fact]
    public async Task Killed_At_Random_Moments_The_Outbox_Stays_Intact_Epoch_Rises_Seq_Continues_And_No_Committed_Record_Is_Lost()
    {
        var cycles = ReliabilityFigures.Size("EDGEINSPECT_CRASH_CYCLES", 12);
        var random = new Random(ReliabilityFigures.Size("EDGEINSPECT_CRASH_SEED", 19));
        using var dir = new TempDirectory("ei-crashloop");
        var outbox = dir.File("outbox.db");
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), Path.Combine(dir.Path, "broker"));
        await using var gateway = await GatewaySubscriber.StartAsync(broker.Port, Results, "crashloop-gw");

        var committed = new HashSet<(long Epoch, long Seq)>();
        var problems = new List<string>();
        var clock = Stopwatch.StartNew();
        long lastEpoch = 0, maxSeq = 0, killedBeforeFirstCommit = 0;
        for (var cycle = 0; cycle < cycles; cycle++)
        {
            using var run = new LinkSoakRun(broker.Port, outbox, count: 1_000_000, delayMs: 2, concurrency: 4);
            await LinkTestKit.WaitUntil(() => run.Epoch > 0, TimeSpan.FromSeconds(60), () => "no epoch line: " + run.Tail());

            // A random moment: from right after start-up (before any commit, while the link connects) to 1.5 s into the stream.
            await Task.Delay(random.Next(0, 1500));
            run.Kill();

            var epoch = run.Epoch;
            var seqs = run.Committed.ToList();
            if (epoch != lastEpoch + 1 && lastEpoch != 0)
            {
                problems.Add($"cycle {cycle}: epoch {epoch} after {lastEpoch}");
            }

            if (seqs.Count > 0 && seqs.Min() <= maxSeq)
            {
                problems.Add($"cycle {cycle}: seq {seqs.Min()} does not continue after {maxSeq}");
            }

            if (seqs.Count == 0)
            {
                killedBeforeFirstCommit++;
            }

            lastEpoch = epoch;
            maxSeq = Math.Max(maxSeq, seqs.DefaultIfEmpty(0).Max());
            foreach (var seq in seqs)
            {
                committed.Add((epoch, seq));
            }

            var integrity = OutboxFile.IntegrityCheck(outbox);
            if (integrity != "ok")
            {
                problems.Add($"cycle {cycle}: integrity_check {integrity}");
            }
        }

        // A last run with nothing new drains what the kills left behind, then exits.
        using (var drain = new LinkSoakRun(broker.Port, outbox, count: 0, delayMs: 0, concurrency: 1))
        {
            Assert.True(drain.WaitForExit(TimeSpan.FromSeconds(90)), "the draining run did not exit: " + drain.Tail());
            Assert.True(drain.ExitCode == 0, drain.Tail());
            Assert.Equal(lastEpoch + 1, drain.Epoch);
        }

        await LinkTestKit.WaitUntil(() => committed.All(Arrived(gateway)), TimeSpan.FromSeconds(30),
            () => $"{committed.Count(c => !Arrived(gateway)(c))} committed records missing at the gateway");
        var received = gateway.Messages.Select(m => (m.Header.Device, m.Header.Epoch, m.Header.Seq)).ToList();
        var duplicates = received.Count - received.Distinct().Count();
        var missing = committed.Where(c => !Arrived(gateway)(c)).ToList();
        ReliabilityFigures.Report(output, "crash-loops", new JsonObject
        {
            ["kills"] = cycles,
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
            ["killedBeforeFirstCommit"] = killedBeforeFirstCommit,
            ["committed"] = committed.Count,
            ["receivedAtGateway"] = received.Count,
            ["missing"] = missing.Count,
            ["duplicates"] = duplicates,
            ["lastEpoch"] = lastEpoch,
            ["lastSeq"] = maxSeq,
            ["problems"] = new JsonArray([.. problems.Select(p => (JsonNode)p)]),
        });

        Assert.Empty(problems);
        Assert.Empty(missing);
        Assert.True(committed.Count > cycles, $"the kills left too little to check: {committed.Count} committed records");
        Assert.All(received, r => Assert.Equal(Device, r.Device));
        Assert.Equal(cycles + 1, OutboxFile.State(outbox).Epoch);
    }

    private static Func<(long Epoch, long Seq), bool> Arrived(GatewaySubscriber gateway)
    {
        var seen = gateway.Messages.Select(m => (m.Header.Epoch, m.Header.Seq)).ToHashSet();
        return seen.Contains;
    }
}

/// <summary>One `edgeinspect link-soak` process: its epoch line and every seq it printed as committed.</summary>
internal sealed class LinkSoakRun : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private long _epoch;

    public LinkSoakRun(int port, string outbox, int count, int delayMs, int concurrency)
    {
        var inv = CultureInfo.InvariantCulture;
        _process = Process.Start(CliProcess.StartInfo(
            ["link-soak", "--port", port.ToString(inv), "--outbox", outbox, "--device", "crash-01", "--count", count.ToString(inv), "--delay-ms", delayMs.ToString(inv),
             "--concurrency", concurrency.ToString(inv)]))!;
        _process.StandardInput.Close();
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }

            if (line.StartsWith("committed ", StringComparison.Ordinal))
            {
                Committed.Enqueue(long.Parse(line["committed ".Length..], inv));
            }
            else if (line.StartsWith("epoch ", StringComparison.Ordinal))
            {
                Interlocked.Exchange(ref _epoch, long.Parse(line["epoch ".Length..], inv));
            }
            else
            {
                _lines.Enqueue(line);
            }
        };
        _process.ErrorDataReceived += (_, e) => _lines.Enqueue(e.Data ?? "");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>Seqs the process printed after their commit returned: each one is on disk.</summary>
    public ConcurrentQueue<long> Committed { get; } = new();

    public int ExitCode => _process.ExitCode;

    public string Tail() => string.Join('\n', _lines.TakeLast(20));

    /// <summary>SIGKILL, then waits for the output already printed to be read.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.WaitForExit();
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit();
        return true;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}
