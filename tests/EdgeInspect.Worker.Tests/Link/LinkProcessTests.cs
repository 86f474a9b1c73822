using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Demo;

namespace EdgeInspect.Worker.Tests.Link;

/// <summary>The real edgeinspect executable as a child process, killed with SIGKILL as a power cut would.</summary>
[Trait("Category", "Integration")]
public sealed class LinkProcessTests
{
    private const string Device = "soak-01";
    private const string Base = "edgeinspect/site/area/line/soak-01";

    private sealed class Soak : IDisposable
    {
        private readonly Process _process;

        public Soak(int port, string outbox, int count, int delayMs)
        {
            _process = Process.Start(CliProcess.StartInfo(
                ["link-soak", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--outbox", outbox, "--device", Device,
                 "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--delay-ms", delayMs.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
            _process.StandardInput.Close();
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    Lines.Enqueue(line);
                    if (line.StartsWith("committed ", StringComparison.Ordinal))
                    {
                        Interlocked.Exchange(ref _lastCommitted, long.Parse(line["committed ".Length..], System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
            };
            _process.ErrorDataReceived += (_, e) => Errors.Enqueue(e.Data ?? string.Empty);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        private long _lastCommitted;

        public ConcurrentQueue<string> Lines { get; } = new();

        public ConcurrentQueue<string> Errors { get; } = new();

        public long LastCommitted => Interlocked.Read(ref _lastCommitted);

        public Process Process => _process;

        /// <summary>SIGKILL: no flush, no DISCONNECT, no chance to clean up.</summary>
        public void Kill()
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }

    [Fact]
    public async Task The_Last_Will_Says_Offline_When_The_Station_Process_Is_Killed()
    {
        using var dir = new TempDirectory("ei-will");
        using var broker = await MosquittoBroker.StartAsync();
        await using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/status");
        using var soak = new Soak(broker.Port, dir.File("o.db"), 1_000_000, 5);
        await gateway.WaitForAsync(m => m.Body.GetProperty("state").GetString() == "online", TimeSpan.FromSeconds(30));

        soak.Kill();

        var will = await gateway.WaitForAsync(m => m.Body.GetProperty("state").GetString() == "offline", TimeSpan.FromSeconds(5));
        Assert.Contains("last will", will.Body.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task After_SIGKILL_Mid_Stream_And_A_Restart_Every_Result_Committed_Before_The_Kill_Arrives()
    {
        using var dir = new TempDirectory("ei-crash");
        using var broker = await MosquittoBroker.StartAsync();
        await using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/result");
        var outbox = dir.File("o.db");
        long committedBeforeKill;
        using (var soak = new Soak(broker.Port, outbox, 1_000_000, 1))
        {
            await LinkTestKit.WaitUntil(() => soak.LastCommitted >= 400, TimeSpan.FromSeconds(60), () => string.Join('\n', soak.Errors));
            soak.Kill();
            // Lines read before the kill were printed after their commit returned: each of those is on disk.
            committedBeforeKill = soak.LastCommitted;
        }

        var firstEpoch = gateway.Messages.Select(m => m.Header.Epoch).DefaultIfEmpty(1).Min();
        using (var restarted = new Soak(broker.Port, outbox, 0, 0))
        {
            Assert.True(restarted.Process.WaitForExit(60_000), "the restarted process did not drain and exit");
            restarted.Process.WaitForExit(); // without a timeout it also waits for the redirected output to end
            Assert.Equal(0, restarted.Process.ExitCode);
            Assert.Contains(restarted.Lines, l => l == $"epoch {firstEpoch + 1}");
        }

        await LinkTestKit.WaitUntil(
            () => gateway.Messages.Where(m => m.Header.Epoch == firstEpoch).Select(m => m.Header.Seq).Distinct().Count() >= committedBeforeKill,
            TimeSpan.FromSeconds(10));
        var seqs = gateway.Messages.Where(m => m.Header.Epoch == firstEpoch).Select(m => m.Header.Seq).ToHashSet();
        var missing = Enumerable.Range(1, (int)committedBeforeKill).Where(s => !seqs.Contains(s)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} committed results never arrived, first {string.Join(',', missing.Take(10))}");
    }
}
