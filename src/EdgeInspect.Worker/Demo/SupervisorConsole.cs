using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.Link.Mqtt;

namespace EdgeInspect.Worker.Demo;

/// <summary>
/// What a plant supervisor sees: an MQTT subscriber on the station's topics, printing results as one compact
/// running line, and incidents (raised with their diagnosis and recommended action, updated, cleared), events and
/// command answers in full. Individual alerts stay on <c>alert</c> for tools: they are counted, not printed, since one
/// change on the line sets off a dozen of them. It counts distinct results by (device, epoch, seq), the way the
/// gateway de-duplicates.
/// </summary>
public sealed class SupervisorConsole : IAsyncDisposable
{
    private readonly MqttConnection _client;
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private readonly ConcurrentDictionary<(string, long, long), byte> _results = new();
    private readonly ConcurrentDictionary<string, byte> _incidentsRaised = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _incidentsCleared = new(StringComparer.Ordinal);
    private readonly Lock _print = new();
    private long _fails, _passes, _noDecisions, _alerts;
    private string _lastLine = "";

    public SupervisorConsole(string host, int port, string topicBase, TextWriter output)
    {
        _out = output;
        _interactive = !Console.IsOutputRedirected;
        _client = new MqttConnection(new MqttConnectionOptions { Host = host, Port = port, ClientId = $"supervisor-{Environment.ProcessId}" });
        _client.MessageReceived += OnMessage;
        _client.Subscribe(topicBase + "/#");
        _client.Start();
    }

    public int DistinctResults => _results.Count;

    /// <summary>Alert transitions received on <c>alert</c> (not printed).</summary>
    public long AlertsSeen => Interlocked.Read(ref _alerts);

    /// <summary>Distinct incidents seen raised on <c>incident</c>.</summary>
    public int IncidentsRaised => _incidentsRaised.Count;

    /// <summary>Distinct incidents seen cleared on <c>incident</c>.</summary>
    public int IncidentsCleared => _incidentsCleared.Count;

    public Task<bool> WaitConnectedAsync(TimeSpan timeout) => _client.WaitConnectedAsync(timeout);

    private void OnMessage(MqttMessage message)
    {
        try
        {
            using var json = JsonDocument.Parse(message.Payload);
            var root = json.RootElement;
            var body = root.TryGetProperty("body", out var b) ? b : root;
            var kind = message.Topic[(message.Topic.LastIndexOf('/') + 1)..];
            if (message.Topic.EndsWith("/result", StringComparison.Ordinal))
            {
                OnResult(root, body);
            }
            else if (message.Topic.EndsWith("/alert", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _alerts);
            }
            else if (message.Topic.EndsWith("/" + IncidentPayloads.Topic, StringComparison.Ordinal))
            {
                OnIncident(body);
            }
            else if (message.Topic.EndsWith("/event", StringComparison.Ordinal))
            {
                Print($"EVENT  {body.GetProperty("type").GetString()}: {body.GetProperty("message").GetString()}");
            }
            else if (message.Topic.EndsWith("/status", StringComparison.Ordinal))
            {
                Print($"STATUS {body.GetProperty("state").GetString()} ({(body.TryGetProperty("mode", out var mode) ? mode.GetString() : "")}, {(body.TryGetProperty("model", out var model) ? model.GetString() : "")})");
            }
            else if (message.Topic.EndsWith("/cmd/response", StringComparison.Ordinal))
            {
                Print($"CMD    {body.GetProperty("verb").GetString()}: {(body.GetProperty("accepted").GetBoolean() ? "accepted" : "rejected")} {(body.TryGetProperty("reason", out var reason) ? reason.GetString() : "")}");
            }
            else if (kind != "metrics" && !message.Topic.Contains("/alert/state/", StringComparison.Ordinal)
                     && !message.Topic.Contains($"/{IncidentPayloads.Topic}/state/", StringComparison.Ordinal))
            {
                Print($"MQTT   {message.Topic}");
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Print($"MQTT   {message.Topic}: unreadable payload ({e.Message})");
        }
    }

    /// <summary>
    /// An incident event: raised prints the diagnosis, its confidence, the rule that decided and the action; updated
    /// and cleared print one line each.
    /// </summary>
    private void OnIncident(JsonElement body)
    {
        var what = body.GetProperty("event").GetString();
        var id = body.GetProperty("id").GetString()!;
        var diagnosis = body.GetProperty("diagnosis");
        var members = body.GetProperty("members").GetArrayLength();
        var raised = body.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("state").GetString() != "ok");
        var head = string.Create(CultureInfo.InvariantCulture,
            $"INCIDENT {what!.ToUpperInvariant(),-8} {id}: {diagnosis.GetProperty("class").GetString()} (confidence {diagnosis.GetProperty("confidence").GetDouble():0.00})");
        switch (what)
        {
            case "raised" when _incidentsRaised.TryAdd(id, 0):
                Print(string.Create(CultureInfo.InvariantCulture, $"{head}, {members} alert{(members == 1 ? "" : "s")} grouped, since frame {body.GetProperty("startSeq").GetInt64()}")
                    + $"{Environment.NewLine}         why:    {diagnosis.GetProperty("reason").GetString()}"
                    + $"{Environment.NewLine}         action: {diagnosis.GetProperty("action").GetString()}");
                break;
            case "updated":
                Print(string.Create(CultureInfo.InvariantCulture, $"{head}, {members} alerts grouped, {raised} still raised"));
                break;
            case "cleared" when _incidentsCleared.TryAdd(id, 0):
                Print(string.Create(CultureInfo.InvariantCulture, $"{head}: all {members} alerts cleared; back to normal"));
                break;
        }
    }

    private void OnResult(JsonElement envelope, JsonElement body)
    {
        var key = (envelope.GetProperty("device").GetString()!, envelope.GetProperty("epoch").GetInt64(), envelope.GetProperty("seq").GetInt64());
        if (!_results.TryAdd(key, 0))
        {
            return;
        }

        var outcome = body.GetProperty("outcome");
        var decision = outcome.GetProperty("decision").GetString();
        _ = decision switch
        {
            "fail" => Interlocked.Increment(ref _fails),
            "pass" => Interlocked.Increment(ref _passes),
            _ => Interlocked.Increment(ref _noDecisions),
        };
        var model = body.GetProperty("modelOutput");
        var human = body.TryGetProperty("human", out var h) && h.ValueKind == JsonValueKind.Object && h.TryGetProperty("verdict", out var v) ? v.GetString() : "-";
        var count = _results.Count;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"results {count,5}  pass {Interlocked.Read(ref _passes),4}  fail {Interlocked.Read(ref _fails),4}  none {Interlocked.Read(ref _noDecisions),3} | last {body.GetProperty("partId").GetString()} {body.GetProperty("mode").GetString()}: model {model.GetProperty("class").GetString() ?? model.GetProperty("verdict").GetString()} ({model.GetProperty("score").GetDouble():0.00}), human {human}, final {decision} by {outcome.GetProperty("decidedBy").GetString()}");
        lock (_print)
        {
            if (_interactive)
            {
                _out.Write("\r" + line.PadRight(Math.Max(_lastLine.Length, line.Length)));
                _lastLine = line;
            }
            else if (count % 100 == 0)
            {
                _out.WriteLine(line);
            }
        }
    }

    private void Print(string line)
    {
        lock (_print)
        {
            if (_interactive && _lastLine.Length > 0)
            {
                _out.Write("\r" + new string(' ', _lastLine.Length) + "\r");
            }

            _out.WriteLine(line);
            if (_interactive && _lastLine.Length > 0)
            {
                _out.Write(_lastLine);
            }
        }
    }

    /// <summary>Ends the running line.</summary>
    public void EndLine()
    {
        lock (_print)
        {
            if (_interactive && _lastLine.Length > 0)
            {
                _out.WriteLine();
                _lastLine = "";
            }
        }
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
