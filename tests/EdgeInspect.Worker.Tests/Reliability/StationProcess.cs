using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInspect.Tests.Shared;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace EdgeInspect.Worker.Tests.Reliability;

/// <summary>`edgeinspect run --config station.json` as a child process, the way systemd runs the station, killed or stopped by the test.</summary>
internal sealed class StationProcess : IDisposable
{
    private readonly Process _process;

    private StationProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Lines.Enqueue(e.Data ?? "");
        _process.ErrorDataReceived += (_, e) => Lines.Enqueue(e.Data ?? "");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything the station printed (stdout and stderr), in arrival order.</summary>
    public ConcurrentQueue<string> Lines { get; } = new();

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    public static StationProcess Start(string stationFile)
    {
        var process = Process.Start(CliProcess.StartInfo(["run", "--config", stationFile]))!;
        process.StandardInput.Close();
        return new StationProcess(process);
    }

    /// <summary>The last lines printed, for a failure message.</summary>
    public string Tail(int lines = 30) => string.Join('\n', Lines.TakeLast(lines));

    /// <summary>SIGKILL, as a power cut or the OOM killer would: no flush, no DISCONNECT, no clean-up.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        Assert.True(_process.WaitForExit(10_000), "the killed station did not go away");
    }

    /// <summary>SIGTERM, as systemd stops the service, and waits for the exit.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
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

    /// <summary>
    /// A station file: the holdout frames looped at <paramref name="fps"/>, the reference model, live mode without an
    /// inspector, the outbox at <paramref name="outbox"/>, the broker on <paramref name="port"/>.
    /// </summary>
    public static JsonObject Config(string deviceId, int port, string outbox, string modelsFolder, double fps = 30, string metricsInterval = "00:00:01", string? samples = null)
    {
        var holdout = RepoPaths.PhoneSet("holdout");
        return new JsonObject
        {
            ["station"] = new JsonObject { ["deviceId"] = deviceId, ["site"] = "rel", ["area"] = "a", ["line"] = "l", ["name"] = deviceId, ["configRevision"] = "rel-1" },
            ["automation"] = new JsonObject { ["mode"] = "live", ["auditFraction"] = 0.0 },
            ["capture"] = new JsonObject { ["cameraId"] = "cam0", ["source"] = "folder:" + Path.Combine(holdout, "frames"), ["endOfStream"] = "loop", ["targetFps"] = fps },
            ["model"] = new JsonObject { ["package"] = Path.Combine(RepoPaths.Models, "reference"), ["modelsFolder"] = modelsFolder },
            ["link"] = new JsonObject { ["host"] = "127.0.0.1", ["port"] = port, ["reconnectDelayMin"] = "00:00:00.100", ["reconnectDelayMax"] = "00:00:00.500" },
            ["outbox"] = new JsonObject { ["path"] = outbox },
            ["inspector"] = new JsonObject { ["backend"] = "none", ["allowRunWithoutInspector"] = true },
            ["samples"] = new JsonObject { ["folder"] = samples ?? Path.Combine(Path.GetDirectoryName(outbox)!, "samples"), ["randomFraction"] = 0.0, ["saveDisagreements"] = false, ["saveUncertain"] = false },
            ["pipeline"] = new JsonObject { ["metricsInterval"] = metricsInterval },
        };
    }

    public static string Topic(string deviceId) => $"edgeinspect/rel/a/l/{deviceId}";
}

/// <summary>Reads an outbox file from outside the station, as an operator would after a crash.</summary>
internal static class OutboxFile
{
    /// <summary>PRAGMA integrity_check: "ok", or SQLite's list of what is wrong.</summary>
    public static string IntegrityCheck(string path)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join("; ", lines);
    }

    /// <summary>The boot epoch and the last seq the file has committed (meta), and the records still in it.</summary>
    public static (long Epoch, long LastSeq, long Depth) State(string path)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        long Scalar(string sql)
        {
            using var command = db.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        return (Scalar("SELECT COALESCE((SELECT value FROM meta WHERE key = 'boot_epoch'), 0)"),
            Math.Max(Scalar("SELECT COALESCE((SELECT value FROM meta WHERE key = 'last_seq'), 0)"), Scalar("SELECT COALESCE(MAX(seq), 0) FROM outbox")),
            Scalar("SELECT COUNT(*) FROM outbox"));
    }
}

/// <summary>
/// The figures a reliability test measured: printed to the test output and, when EDGEINSPECT_RELIABILITY_OUT names a
/// folder, written there as {name}.json (scripts/reliability.sh prints them for docs/reliability.md).
/// </summary>
internal static class ReliabilityFigures
{
    public static void Report(ITestOutputHelper output, string name, JsonObject figures)
    {
        var text = figures.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        output.WriteLine($"{name}: {text}");
        if (Environment.GetEnvironmentVariable("EDGEINSPECT_RELIABILITY_OUT") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, name + ".json"), text);
        }
    }

    /// <summary>A size for a campaign: the CI default, or EDGEINSPECT_{name} for a longer run.</summary>
    public static int Size(string variable, int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : ciDefault;
}
