using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.Link.Mqtt;

namespace EdgeInspect.Worker.Demo;

/// <summary>
/// What a plant supervisor sees: an MQTT subscriber on the station's topics, printing results as one compact
/// running line and alerts, events and command answers in full. It counts distinct results by (device, epoch, seq),
/// the way the gateway de-duplicates.
/// </summary>
public sealed class SupervisorConsole : IAsyncDisposable
{
    private readonly MqttConnection _client;
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private readonly ConcurrentDictionary<(string, long, long), byte> _results = new();
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

    public long AlertsSeen => Interlocked.Read(ref _alerts);

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
                Print($"ALERT  {body.GetProperty("state").GetString()!.ToUpperInvariant(),-8} {body.GetProperty("name").GetString()}: {body.GetProperty("message").GetString()}");
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
            else if (kind != "metrics" && !message.Topic.Contains("/alert/state/", StringComparison.Ordinal))
            {
                Print($"MQTT   {message.Topic}");
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Print($"MQTT   {message.Topic}: unreadable payload ({e.Message})");
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
