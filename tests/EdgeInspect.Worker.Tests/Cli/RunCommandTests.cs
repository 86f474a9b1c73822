using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.Cli;
using Microsoft.Data.Sqlite;

namespace EdgeInspect.Worker.Tests.Cli;

/// <summary>`edgeinspect run` as an operator (or systemd) runs it: a child process, stopped with SIGTERM.</summary>
[Trait("Category", "Integration")]
public sealed class RunCommandTests
{
    [Fact]
    public async Task Sigterm_Finishes_In_Flight_Parts_Flushes_The_Outbox_And_Publishes_Offline()
    {
        using var dir = new TempDirectory("edgeinspect-run");
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), Path.Combine(dir.Path, "broker"));
        var outbox = dir.File("outbox.db");
        var station = dir.File("station.json");
        var holdout = RepoPaths.PhoneSet("holdout");
        await File.WriteAllTextAsync(station, $$"""
            {
              "station": { "deviceId": "dev-run", "site": "s", "area": "a", "line": "l", "name": "run1", "configRevision": "r1" },
              "automation": { "mode": "shadow", "verdictTimeout": "00:00:05" },
              "capture": { "cameraId": "cam0", "source": "folder:{{Path.Combine(holdout, "frames")}}", "endOfStream": "loop" },
              "model": { "package": "{{Path.Combine(RepoPaths.Models, "reference")}}", "modelsFolder": "{{RepoPaths.Models}}" },
              "link": { "host": "127.0.0.1", "port": {{broker.Port}} },
              "outbox": { "path": "{{outbox}}" },
              "inspector": { "backend": "scripted", "scripted": { "position": "left", "inspectorId": "ana", "errorRate": 0.03, "responseDelay": "00:00:00.300", "responseJitter": "00:00:00.050" } },
              "samples": { "folder": "{{dir.File("samples")}}", "randomFraction": 0, "saveDisagreements": false, "saveUncertain": false },
              "pipeline": { "labels": "{{Path.Combine(holdout, "labels.csv")}}" }
            }
            """);

        var results = new ConcurrentDictionary<long, long>();
        var statuses = new ConcurrentQueue<string>();
        await using var subscriber = new MqttConnection(new MqttConnectionOptions { Host = "127.0.0.1", Port = broker.Port, ClientId = "run-sub" });
        subscriber.MessageReceived += message =>
        {
            using var document = JsonDocument.Parse(message.Payload);
            var root = document.RootElement;
            if (message.Topic.EndsWith("/result", StringComparison.Ordinal))
            {
                results.TryAdd(root.GetProperty("seq").GetInt64(), root.GetProperty("body").GetProperty("frame").GetProperty("seq").GetInt64());
            }
            else if (message.Topic.EndsWith("/status", StringComparison.Ordinal))
            {
                statuses.Enqueue(root.GetProperty("body").GetProperty("state").GetString()!);
            }
        };
        subscriber.Subscribe("edgeinspect/s/a/l/run1/#");
        subscriber.Start();
        Assert.True(await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(10)));

        using var process = Process.Start(CliProcess.StartInfo(["run", "--config", station]))!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (results.Count < 60 && !process.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        if (process.HasExited)
        {
            Assert.Fail($"edgeinspect run exited early ({process.ExitCode}): {await stderr}");
        }

        // Parts are still waiting for the inspector's answer (300 ms behind): SIGTERM must not lose them.
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("edgeinspect run did not stop within 60 s of SIGTERM");
        }

        Assert.True(process.ExitCode == ExitCodes.Ok, $"exit {process.ExitCode}: {await stderr}{await stdout}");

        await Task.Delay(500);
        // Every result reached the broker: nothing is left in the outbox, and the frames form one gap-free run from 1.
        var frames = results.Values.Order().ToList();
        Assert.True(frames.Count > 60);
        Assert.Equal(Enumerable.Range(1, frames.Count).Select(i => (long)i), frames);
        await using (var db = new SqliteConnection($"Data Source={outbox};Mode=ReadOnly;Pooling=False"))
        {
            await db.OpenAsync();
            var tables = new List<string>();
            await using (var list = db.CreateCommand())
            {
                list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%outbox%'";
                await using var reader = await list.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            Assert.NotEmpty(tables);
            await using var count = db.CreateCommand();
            count.CommandText = $"SELECT COUNT(*) FROM {tables[0]}";
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        }

        Assert.Equal("offline", statuses.Last());
    }

    [Fact]
    public async Task A_Bad_Station_File_Exits_2_Listing_Every_Problem()
    {
        using var dir = new TempDirectory("edgeinspect-run-bad");
        var station = dir.File("station.json");
        await File.WriteAllTextAsync(station, """{ "station": { "deviceId": "x" }, "automation": { "mode": "turbo" }, "capture": { "source": "" } }""");

        var result = await CliProcess.RunAsync(["run", "--config", station]);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("automation:mode", result.StdErr);
        Assert.Contains("station:site", result.StdErr);
        Assert.Contains("capture:source", result.StdErr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    [Fact]
    public async Task A_Changed_Station_File_Applies_The_Mode_At_Once_Names_Restart_Fields_And_Refuses_An_Invalid_One()
    {
        using var dir = new TempDirectory("edgeinspect-reload");
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), Path.Combine(dir.Path, "broker"));
        var station = dir.File("station.json");
        var holdout = RepoPaths.PhoneSet("holdout");
        string File(string mode, string camera) => $$"""
            {
              "station": { "deviceId": "dev-reload", "site": "s", "area": "a", "line": "l", "name": "reload1", "configRevision": "r-{{mode}}" },
              "automation": { "mode": "{{mode}}", "verdictTimeout": "00:00:05" },
              "capture": { "cameraId": "{{camera}}", "source": "folder:{{Path.Combine(holdout, "frames")}}", "endOfStream": "loop", "targetFps": 50 },
              "model": { "package": "{{Path.Combine(RepoPaths.Models, "reference")}}", "modelsFolder": "{{RepoPaths.Models}}" },
              "link": { "host": "127.0.0.1", "port": {{broker.Port}} },
              "outbox": { "path": "{{dir.File("outbox.db")}}" },
              "inspector": { "backend": "scripted", "scripted": { "position": "left", "inspectorId": "ana", "errorRate": 0.03, "responseDelay": "00:00:00.020", "responseJitter": "00:00:00.010" } },
              "samples": { "folder": "{{dir.File("samples")}}", "randomFraction": 0, "saveDisagreements": false, "saveUncertain": false },
              "pipeline": { "labels": "{{Path.Combine(holdout, "labels.csv")}}" }
            }
            """;
        await System.IO.File.WriteAllTextAsync(station, File("shadow", "cam0"));

        var modes = new ConcurrentQueue<string>();
        var events = new ConcurrentQueue<string>();
        await using var subscriber = new MqttConnection(new MqttConnectionOptions { Host = "127.0.0.1", Port = broker.Port, ClientId = "reload-sub" });
        subscriber.MessageReceived += message =>
        {
            using var document = JsonDocument.Parse(message.Payload);
            var body = document.RootElement.GetProperty("body");
            if (message.Topic.EndsWith("/result", StringComparison.Ordinal))
            {
                modes.Enqueue(body.GetProperty("mode").GetString()!);
            }
            else if (message.Topic.EndsWith("/event", StringComparison.Ordinal))
            {
                events.Enqueue(body.GetProperty("message").GetString()!);
            }
        };
        subscriber.Subscribe("edgeinspect/s/a/l/reload1/#");
        subscriber.Start();
        Assert.True(await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(10)));

        using var process = Process.Start(CliProcess.StartInfo(["run", "--config", station]))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await WaitForAsync(() => modes.Count >= 20, process);

            // Mode is safe to change at once; the camera id needs a restart, and the service says so.
            await System.IO.File.WriteAllTextAsync(station, File("live", "cam1"));
            await WaitForAsync(() => modes.Contains("live") && events.Any(e => e.Contains("shadow -> live by config", StringComparison.OrdinalIgnoreCase)), process);

            // An invalid file is refused; the station keeps running on what it had.
            await System.IO.File.WriteAllTextAsync(station, File("autopilot", "cam1"));
            var before = modes.Count;
            await WaitForAsync(() => modes.Count >= before + 50, process);
        }
        finally
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill!.WaitForExitAsync();
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var log = await stdout + await stderr;
        Assert.Equal(ExitCodes.Ok, process.ExitCode);
        Assert.Contains("take effect only after a restart", log);
        Assert.Contains("capture:cameraId", log);
        Assert.Contains("is invalid; keeping the running config", log);
        Assert.Contains("automation:mode", log);
        Assert.Equal("live", modes.Last());
    }

    private static async Task WaitForAsync(Func<bool> condition, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (process.HasExited)
            {
                Assert.Fail($"edgeinspect run exited early ({process.ExitCode}): {await process.StandardError.ReadToEndAsync()}");
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the running station");
            await Task.Delay(50);
        }
    }
}
