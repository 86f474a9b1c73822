using System.Diagnostics;
using System.Text;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Tests.Link;

namespace EdgeInspect.Worker.Tests.Sparkplug;

/// <summary>
/// The real <c>edgeinspect run</c> as a child process with link:sparkplug on, watched by the test host application and
/// by a JSON gateway at once, and finally SIGKILLed as a power cut would.
/// </summary>
/// <remarks>
/// Set <c>EDGEINSPECT_SPARKPLUG_CAPTURE</c> to a folder to keep what the host saw: one decoded example of each message
/// type (<c>*.jsonc</c>) and the raw NBIRTH (<c>NBIRTH.bin</c>, for <c>protoc --decode_raw</c>). docs/sparkplug.md
/// quotes such a capture.
/// </remarks>
[Trait("Category", "Integration")]
public sealed class SparkplugStationProcessTests
{
    private const string Group = "plant-a";
    private const string EdgeNode = "line1-st7";
    private const string JsonBase = "edgeinspect/s/a/l/run1";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task The_Station_Is_An_Edge_Node_Beside_Unchanged_Json_Topics_And_Its_Will_Says_Ndeath_On_Sigkill()
    {
        using var dir = new TempDirectory("ei-spb-run");
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), dir.File("broker"));
        var frames = dir.File("frames");
        TestFiles.CopyDirectory(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames"), frames);
        var station = dir.File("station.json");
        await File.WriteAllTextAsync(station, StationFile(broker.Port, frames, dir));

        await using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{JsonBase}/#", "json-gateway");
        await using var host = await SparkplugHost.StartAsync(broker.Port, Group);
        // The primary host is online before the station starts (retained STATE): the birth need not wait.
        await host.PublishStateAsync("scada", online: true, timestamp: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        using var process = Process.Start(CliProcess.StartInfo(["run", "--config", station]))!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        string Log() { lock (stderr) { return stderr.ToString(); } }

        try
        {
            var birth = await host.WaitForAsync(m => m.Verb == "NBIRTH", Wait, "NBIRTH from the station\n" + Log());
            var deviceBirth = await host.WaitForAsync(m => m.Verb == "DBIRTH" && m.Device == "cam0", Wait, "DBIRTH");
            await host.WaitUntilAsync(() => host.Of("DDATA").Count(m => host.Find(m, "Result/Part Id") is not null) >= 20 && host.Of("NDATA").Any(), Wait, Log);

            // A write from the host: set-mode through the station's dispatcher, answered with an NDATA, audited on JSON `event`.
            var beforeWrite = host.Messages.Count;
            await host.SendCommandAsync(EdgeNode, SparkplugHost.Mode("assist"));
            var answer = await host.WaitForAsync(m => m.Index > beforeWrite && m.Verb == "NDATA" && host.Find(m, "Node Control/Mode") is not null, Wait, "the answer to the write");
            Assert.Equal("assist", host.Find(answer, "Node Control/Mode")!.StringValue);
            await gateway.WaitForAsync(m => m.Topic == $"{JsonBase}/event" && m.Body.GetProperty("type").GetString() == "mode-changed"
                && m.Body.GetProperty("detail").TryGetProperty("changedBy", out var by) && by.GetString() == "sparkplug:scada", Wait);

            // The camera goes away and comes back: DDEATH, then DBIRTH of cam0.
            Directory.Move(frames, frames + "-away");
            var deviceDeath = await host.WaitForAsync(m => m.Verb == "DDEATH" && m.Device == "cam0", Wait, "DDEATH of cam0\n" + Log());
            Directory.Move(frames + "-away", frames);
            await host.WaitForAsync(m => m.Verb == "DBIRTH" && m.Index > deviceDeath.Index, Wait, "DBIRTH of cam0 when it is back");
            var lastResults = host.Of("DDATA").Count(m => m.Index > deviceDeath.Index && host.Find(m, "Result/Part Id") is not null);
            await host.WaitUntilAsync(() => host.Of("DDATA").Count(m => m.Index > deviceDeath.Index && host.Find(m, "Result/Part Id") is not null) > lastResults + 5, Wait, Log);

            // Sparkplug order: births first, then seq without a gap on every message of the node.
            var node = host.Messages.Where(m => m.IsNodeMessage && m.Verb != "NDEATH").ToList();
            Assert.Equal("NBIRTH", node[0].Verb);
            for (var i = 1; i < node.Count; i++)
            {
                Assert.True((node[i - 1].Seq!.Value + 1) % 256 == node[i].Seq!.Value || node[i].Verb == "NBIRTH", $"seq gap at #{node[i].Index}");
            }

            // The JSON topics carry on as before: every result a Sparkplug DDATA reported is also on `result`, the
            // stream seqs have no gap (the node's records take none), and the JSON link never had to reconnect.
            var sparkplugParts = host.Of("DDATA").Select(m => host.Find(m, "Result/Part Id")?.StringValue).OfType<string>().ToList();
            await LinkTestKit.WaitUntil(() => sparkplugParts.All(p => gateway.Messages.Any(j => j.Topic == $"{JsonBase}/result" && j.Body.GetProperty("partId").GetString() == p)), Wait);
            // (Retained state, status and alert/state, takes no seq of its own: it carries the latest.)
            var stream = gateway.Messages.Where(m => !m.Topic.EndsWith("/status", StringComparison.Ordinal) && !m.Topic.Contains("/state/", StringComparison.Ordinal))
                .Select(m => m.Header.Seq).Distinct().Order().ToList();
            Assert.Equal(Enumerable.Range(1, stream.Count).Select(i => (long)i), stream);
            var topics = gateway.Messages.Select(m => m.Topic[(JsonBase.Length + 1)..]).ToHashSet();
            Assert.Subset(new HashSet<string> { "status", "result", "metrics", "event" }.Concat(topics.Where(t => t.StartsWith("alert", StringComparison.Ordinal) || t.StartsWith("incident", StringComparison.Ordinal))).ToHashSet(), topics);
            Assert.Equal("online", gateway.On($"{JsonBase}/status").Last().Body.GetProperty("state").GetString());
            var metrics = gateway.On($"{JsonBase}/metrics").Last().Body.GetProperty("values");
            Assert.Equal(0, metrics.GetProperty("link.reconnects").GetDouble());

            // SIGKILL: no DISCONNECT, no NDEATH of its own; the broker publishes the will, with the birth's bdSeq.
            process.Kill();
            var will = await host.WaitForAsync(m => m.Verb == "NDEATH", Wait, "NDEATH (the will) after SIGKILL");
            Assert.Equal(birth.BdSeq, will.BdSeq);
            Assert.Null(will.Seq);
            await gateway.WaitForAsync(m => m.Topic == $"{JsonBase}/status" && m.Body.GetProperty("state").GetString() == "offline", Wait);
            Assert.Empty(host.Undecodable);

            if (Environment.GetEnvironmentVariable("EDGEINSPECT_SPARKPLUG_CAPTURE") is { Length: > 0 } capture)
            {
                Capture(host, capture, birth, deviceBirth);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static string StationFile(int port, string frames, TempDirectory dir)
    {
        var holdout = RepoPaths.PhoneSet("holdout");
        return $$"""
            {
              "station": { "deviceId": "dev-spb", "site": "s", "area": "a", "line": "l", "name": "run1", "configRevision": "r1" },
              "automation": { "mode": "shadow", "verdictTimeout": "00:00:05" },
              "capture": { "cameraId": "cam0", "source": "folder:{{frames}}", "endOfStream": "loop", "targetFps": 25,
                           "cameraDownAfter": "00:00:00.500", "reconnectInitialDelay": "00:00:00.100", "reconnectMaxDelay": "00:00:00.200" },
              "model": { "package": "{{Path.Combine(RepoPaths.Models, "reference")}}", "modelsFolder": "{{RepoPaths.Models}}" },
              "link": {
                "host": "127.0.0.1", "port": {{port}}, "reconnectDelayMin": "00:00:00.100", "reconnectDelayMax": "00:00:00.500",
                "sparkplug": { "enabled": true, "groupId": "{{Group}}", "edgeNodeId": "{{EdgeNode}}", "primaryHostId": "scada", "publishResults": true, "allowWrites": true }
              },
              "outbox": { "path": "{{dir.File("outbox.db")}}" },
              "inspector": { "backend": "scripted", "scripted": { "position": "left", "inspectorId": "ana", "errorRate": 0.03, "responseDelay": "00:00:00.050", "responseJitter": "00:00:00.020" } },
              "samples": { "folder": "{{dir.File("samples")}}", "randomFraction": 0, "saveDisagreements": false, "saveUncertain": false },
              "pipeline": { "labels": "{{Path.Combine(holdout, "labels.csv")}}", "metricsInterval": "00:00:01" }
            }
            """;
    }

    /// <summary>One decoded example of each message type, and the raw NBIRTH, for docs/sparkplug.md.</summary>
    private static void Capture(SparkplugHost host, string folder, SparkplugMessage birth, SparkplugMessage deviceBirth)
    {
        Directory.CreateDirectory(folder);
        string? Name(ulong alias) => birth.Payload.Metrics.Concat(deviceBirth.Payload.Metrics).FirstOrDefault(m => m.Alias == alias)?.Name;
        var examples = new List<(string File, SparkplugMessage Message)>
        {
            ("NBIRTH", birth),
            ("DBIRTH", deviceBirth),
            ("NDATA", host.Of("NDATA").OrderByDescending(m => m.Payload.Metrics.Count).First()),
            ("NDATA-mode", host.Of("NDATA").First(m => host.Find(m, "Node Control/Mode") is not null)),
            ("DDATA", host.Of("DDATA").First(m => host.Find(m, "Result/Part Id") is not null)),
            ("DDEATH", host.Of("DDEATH").First()),
            ("NDEATH", host.Of("NDEATH").First()),
        };
        foreach (var (file, message) in examples)
        {
            File.WriteAllText(Path.Combine(folder, file + ".jsonc"), $"// {message.Topic}\n{SparkplugJson.Render(message.Payload, Name)}\n");
        }

        var (commandTopic, command) = host.Sent.First();
        File.WriteAllText(Path.Combine(folder, "NCMD.jsonc"), $"// {commandTopic} (sent by the host)\n{SparkplugJson.Render(command)}\n");
        var (stateTopic, state) = host.States.First();
        File.WriteAllText(Path.Combine(folder, "STATE.json"), $"// {stateTopic} (retained, sent by the host)\n{state}\n");
        File.WriteAllBytes(Path.Combine(folder, "NBIRTH.bin"), birth.Raw);
    }
}
