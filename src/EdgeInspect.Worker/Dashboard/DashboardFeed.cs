using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Pipeline;
using EdgeInspect.Worker.Telemetry;

namespace EdgeInspect.Worker.Dashboard;

/// <summary>
/// What the dashboard knows of the station beyond its snapshots: an observer of everything the station publishes
/// (parts, alerts, capture alerts, events, metrics), the charts' history, and the Server-Sent Events clients.
/// </summary>
/// <remarks>
/// <para>Cost on the hot path: each part takes a few additions under a lock that covers nothing else (never a wait),
/// on the output stage's task. Everything else happens once per <see cref="DashboardOptions.UpdateInterval"/> on the
/// tick (<see cref="RunAsync"/>): one point and one status built and serialized once, the same bytes handed to every
/// client, so a client costs a queue write per tick, not work per part. A client that reads too slowly loses its
/// oldest messages (counted in <see cref="ClientDrops"/>); it never slows the station.</para>
/// <para>Events that change the station (a mode change, a model promoted, an alert) go to the clients at once, with
/// a fresh status, so a change made in the page shows without waiting for the next tick.</para>
/// </remarks>
public sealed class DashboardFeed : IStationSink
{
    private const int ClientQueue = 64;
    private const int KeptEvents = 30;
    private const int KeptTransitions = 40;
    private static readonly string[] LatencyStages = ["preprocess", "inference", "capture_to_decision"];

    private readonly DashboardOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly LatencyTracker[] _latency = [new(), new(), new()];
    private readonly double[] _inputSums = new double[InputColumns.Length];
    private readonly Dictionary<string, AlertTransition> _alerts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CaptureEvent> _captureAlerts = new(StringComparer.Ordinal);
    private readonly LinkedList<JsonObject> _transitions = new();
    private readonly LinkedList<JsonObject> _events = new();
    private readonly LinkedList<string> _history = new();
    private readonly List<Client> _clients = [];
    private long _tickParts;
    private long _tickInputs;
    private long _parts;
    private long _pass;
    private long _fail;
    private long _noDecision;
    private long _lastOutputTimestamp;
    private long _clientDrops;
    private DateTimeOffset? _lastPartUtc;
    private CameraState _camera = new("starting", "no frame yet", null);
    private MetricsBody? _lastMetrics;
    private StationView? _view;
    private string? _lastStatus;

    public DashboardFeed(DashboardOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _lastOutputTimestamp = time.GetTimestamp();
    }

    /// <summary>The input statistics of a part's record, in the order the drift view draws them (names as in the baseline).</summary>
    public static readonly (string Name, Func<InputStatisticsRecord, double> Read)[] InputColumns =
    [
        ("brightness", i => i.Brightness), ("contrast", i => i.Contrast), ("sharpness", i => i.Sharpness),
        ("dark_clipped", i => i.ClippedDark), ("bright_clipped", i => i.ClippedBright),
        ("mean_blue", i => i.MeanB), ("mean_green", i => i.MeanG), ("mean_red", i => i.MeanR),
    ];

    /// <summary>SSE messages a slow client did not read in time.</summary>
    public long ClientDrops => Interlocked.Read(ref _clientDrops);

    public int Clients
    {
        get
        {
            lock (_gate)
            {
                return _clients.Count;
            }
        }
    }

    /// <summary>How long since the output stage last handed the dashboard anything (a stuck pipeline shows here).</summary>
    public TimeSpan SinceLastOutput => _time.GetElapsedTime(Interlocked.Read(ref _lastOutputTimestamp));

    public CameraState Camera
    {
        get
        {
            lock (_gate)
            {
                return _camera.Resolve(_lastPartUtc);
            }
        }
    }

    public long Parts => Interlocked.Read(ref _parts);

    // ---- IStationSink: on the output stage's task ----

    public ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken)
    {
        Touch();
        var record = part.Record;
        _latency[0].Record(part.PreprocessTime);
        _latency[1].Record(part.InferenceTime);
        _latency[2].Record(part.CaptureToDecision);
        lock (_gate)
        {
            _tickParts++;
            _parts++;
            switch (record.Outcome.Decision)
            {
                case FinalDecision.Pass:
                    _pass++;
                    break;
                case FinalDecision.Fail:
                    _fail++;
                    break;
                default:
                    _noDecision++;
                    break;
            }

            if (record.Input is { } input)
            {
                for (var i = 0; i < InputColumns.Length; i++)
                {
                    _inputSums[i] += InputColumns[i].Read(input);
                }

                _tickInputs++;
            }

            _lastPartUtc = record.Frame.CaptureUtc;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask AuditAsync(AuditRecord audit, CancellationToken cancellationToken)
    {
        Touch();
        return ValueTask.CompletedTask;
    }

    public ValueTask AlertAsync(AlertTransition transition, CancellationToken cancellationToken)
    {
        Touch();
        var json = AlertJson(transition);
        lock (_gate)
        {
            _alerts[transition.Name] = transition;
            Keep(_transitions, json, KeptTransitions);
        }

        Push("alert", json);
        return ValueTask.CompletedTask;
    }

    public ValueTask CaptureAlertAsync(CaptureEvent alert, CancellationToken cancellationToken)
    {
        Touch();
        var json = new JsonObject
        {
            ["name"] = $"{alert.CameraId}.{alert.Kind.ToString().ToLowerInvariant()}",
            ["family"] = "Capture",
            ["state"] = alert.IsAlert ? "alert" : "ok",
            ["at"] = alert.UtcTime.ToString("O"),
            ["message"] = alert.Message,
            ["lastSeq"] = alert.LastSeq,
        };
        lock (_gate)
        {
            var key = alert.Kind is CaptureEventKind.CameraDown or CaptureEventKind.CameraRecovered ? "camera-down" : "frozen-stream";
            if (alert.IsAlert)
            {
                _captureAlerts[key] = alert;
            }
            else
            {
                _captureAlerts.Remove(key);
            }

            _camera = _camera.After(alert.Kind, alert.Message, alert.UtcTime);
            Keep(_transitions, json, KeptTransitions);
        }

        Push("alert", json);
        return ValueTask.CompletedTask;
    }

    public ValueTask EventAsync(StationEvent stationEvent, CancellationToken cancellationToken)
    {
        Touch();
        var body = StationEventWire.ToBody(stationEvent);
        var json = new JsonObject
        {
            ["at"] = stationEvent.Utc.ToString("O"),
            ["type"] = body.Type,
            ["message"] = body.Message,
            ["detail"] = body.Detail is null ? null : Json.Map(body.Detail, v => JsonValue.Create(v)),
        };
        lock (_gate)
        {
            if (stationEvent is CaptureChanged capture)
            {
                _camera = _camera.After(capture.Kind, capture.Message, capture.Utc);
            }

            Keep(_events, json, KeptEvents);
        }

        Push("station-event", json);
        return ValueTask.CompletedTask;
    }

    public ValueTask MetricsAsync(MetricsBody body, CancellationToken cancellationToken)
    {
        Touch();
        Volatile.Write(ref _lastMetrics, body);
        return ValueTask.CompletedTask;
    }

    // ---- clients ----

    /// <summary>A new SSE client: it gets the whole history and the status first, then every message after.</summary>
    public Client Subscribe()
    {
        var client = new Client(this);
        lock (_gate)
        {
            var hello = new StringBuilder("{\"status\":").Append(_lastStatus ?? "null").Append(",\"history\":[");
            var first = true;
            foreach (var point in _history)
            {
                hello.Append(first ? "" : ",").Append(point);
                first = false;
            }

            hello.Append("]}");
            client.Offer(Frame("hello", hello.ToString()));
            _clients.Add(client);
        }

        return client;
    }

    /// <summary>The status as JSON now (for /api/status): the same document the clients get each tick.</summary>
    public JsonObject Status()
    {
        var view = Volatile.Read(ref _view);
        return view is null ? new JsonObject { ["station"] = new JsonObject { ["state"] = "starting" } } : BuildStatus(view);
    }

    /// <summary>Builds a point and the status every update interval and sends them to every client, until cancelled.</summary>
    public async Task RunAsync(StationView view, CancellationToken stoppingToken)
    {
        Volatile.Write(ref _view, view);
        using var timer = new PeriodicTimer(_options.UpdateInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Tick(view);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One point of every chart and a fresh status, to every client (the tick calls it; tests may too).</summary>
    internal void Tick(StationView view)
    {
        var point = BuildPoint(view);
        var status = BuildStatus(view).ToJsonString();
        var message = Frame("tick", $"{{\"point\":{point},\"status\":{status}}}");
        lock (_gate)
        {
            _lastStatus = status;
            _history.AddLast(point);
            while (_history.Count > _options.HistoryPoints)
            {
                _history.RemoveFirst();
            }
        }

        Broadcast(message);
    }

    private string BuildPoint(StationView view)
    {
        long parts;
        long inputs;
        var means = new double[InputColumns.Length];
        lock (_gate)
        {
            parts = _tickParts;
            inputs = _tickInputs;
            for (var i = 0; i < means.Length; i++)
            {
                means[i] = inputs == 0 ? double.NaN : _inputSums[i] / inputs;
            }

            Array.Clear(_inputSums);
            _tickParts = 0;
            _tickInputs = 0;
        }

        var latency = new JsonObject();
        for (var i = 0; i < LatencyStages.Length; i++)
        {
            var s = _latency[i].Snapshot(reset: true);
            latency[LatencyStages[i]] = s.Count == 0 ? null : new JsonArray(Json.Number(s.P50Seconds * 1e3, 3), Json.Number(s.P95Seconds * 1e3, 3), Json.Number(s.P99Seconds * 1e3, 3));
        }

        var inputsJson = new JsonObject();
        for (var i = 0; i < means.Length; i++)
        {
            inputsJson[InputColumns[i].Name] = Json.Number(means[i], 4);
        }

        var point = new JsonObject
        {
            ["t"] = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            ["parts"] = parts,
            ["fps"] = Json.Number(parts / _options.UpdateInterval.TotalSeconds, 2),
            ["lat"] = latency,
            ["in"] = inputsJson,
            ["agr"] = view.AgreementPoint(),
            ["q"] = view.QueuesJson(),
        };
        return point.ToJsonString();
    }

    private JsonObject BuildStatus(StationView view)
    {
        JsonArray alerts;
        JsonArray transitions;
        JsonArray events;
        CameraState camera;
        long parts, pass, fail, noDecision;
        lock (_gate)
        {
            alerts = new JsonArray([.. _alerts.Values.Where(a => a.To != AlertState.Ok).Select(a => (JsonNode)AlertJson(a)),
                .. _captureAlerts.Values.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = $"{c.CameraId}.{c.Kind.ToString().ToLowerInvariant()}", ["family"] = "Capture", ["state"] = "alert", ["at"] = c.UtcTime.ToString("O"), ["message"] = c.Message,
                })]);
            transitions = new JsonArray([.. _transitions.Reverse().Select(t => t.DeepClone())]);
            events = new JsonArray([.. _events.Reverse().Select(e => e.DeepClone())]);
            camera = _camera.Resolve(_lastPartUtc);
            (parts, pass, fail, noDecision) = (_parts, _pass, _fail, _noDecision);
        }

        var status = view.StatusJson(camera, Volatile.Read(ref _lastMetrics));
        status["parts"] = new JsonObject { ["decided"] = parts, ["pass"] = pass, ["fail"] = fail, ["noDecision"] = noDecision };
        var drift = (JsonObject)status["drift"]!;
        drift["alerts"] = alerts;
        drift["transitions"] = transitions;
        status["events"] = events;
        status["dashboard"] = new JsonObject { ["clients"] = Clients, ["clientDrops"] = ClientDrops, ["updateIntervalMs"] = _options.UpdateInterval.TotalMilliseconds };
        return status;
    }

    private static JsonObject AlertJson(AlertTransition a) => new()
    {
        ["name"] = a.Name,
        ["camera"] = a.CameraId,
        ["family"] = a.Family.ToString(),
        ["metric"] = a.Metric,
        ["state"] = a.To.ToString().ToLowerInvariant(),
        ["from"] = a.From.ToString().ToLowerInvariant(),
        ["at"] = a.At.ToString("O"),
        ["reference"] = Json.Number(a.ReferenceValue, 4),
        ["current"] = Json.Number(a.CurrentValue, 4),
        ["distance"] = Json.Number(a.Distance, 4),
        ["threshold"] = Json.Number(a.Threshold, 4),
        ["windowFrames"] = a.WindowFrames,
        ["windowEndSeq"] = a.WindowEndSeq,
        ["kind"] = a.Kind.ToString().ToLowerInvariant(),
        ["repeat"] = a.IsRepeat,
    };

    /// <summary>Sends a station change to every client at once, with the status as it is now.</summary>
    private void Push(string kind, JsonObject payload)
    {
        var view = Volatile.Read(ref _view);
        var status = view is null ? "null" : BuildStatus(view).ToJsonString();
        lock (_gate)
        {
            if (view is not null)
            {
                _lastStatus = status;
            }

            if (_clients.Count == 0)
            {
                return;
            }
        }

        Broadcast(Frame(kind, $"{{\"item\":{payload.ToJsonString()},\"status\":{status}}}"));
    }

    private void Broadcast(byte[] message)
    {
        lock (_gate)
        {
            foreach (var client in _clients)
            {
                client.Offer(message);
            }
        }
    }

    private void Touch() => Interlocked.Exchange(ref _lastOutputTimestamp, _time.GetTimestamp());

    private static byte[] Frame(string kind, string data) => Encoding.UTF8.GetBytes($"event: {kind}\ndata: {data}\n\n");

    private static void Keep(LinkedList<JsonObject> list, JsonObject item, int max)
    {
        list.AddLast(item);
        while (list.Count > max)
        {
            list.RemoveFirst();
        }
    }

    /// <summary>One SSE client's queue. Dispose it when the client goes.</summary>
    public sealed class Client : IDisposable
    {
        private readonly DashboardFeed _feed;
        private readonly Channel<byte[]> _queue;

        internal Client(DashboardFeed feed)
        {
            _feed = feed;
            _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(ClientQueue) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                _ => Interlocked.Increment(ref feed._clientDrops));
        }

        public ChannelReader<byte[]> Messages => _queue.Reader;

        internal void Offer(byte[] message) => _queue.Writer.TryWrite(message);

        public void Dispose()
        {
            lock (_feed._gate)
            {
                _feed._clients.Remove(this);
            }

            _queue.Writer.TryComplete();
        }
    }
}

/// <summary>What the dashboard can say about the camera, from capture's events and the parts that flow.</summary>
/// <param name="State">starting, streaming, reconnecting, down, frozen, ended, stopped.</param>
/// <param name="Detail">capture's last sentence about it.</param>
/// <param name="Since">When the state began.</param>
public sealed record CameraState(string State, string Detail, DateTimeOffset? Since)
{
    /// <summary>Frames are arriving: the source is open and not reported down.</summary>
    public bool Up => State is "streaming" or "frozen";

    internal CameraState After(CaptureEventKind kind, string message, DateTimeOffset at) => kind switch
    {
        CaptureEventKind.SourceOpened or CaptureEventKind.CameraRecovered or CaptureEventKind.FrozenStreamCleared => new("streaming", message, at),
        CaptureEventKind.SourceOpenFailed or CaptureEventKind.SourceLost => State == "down" ? this with { Detail = message } : new("reconnecting", message, at),
        CaptureEventKind.CameraDown => new("down", message, at),
        CaptureEventKind.FrozenStream => new("frozen", message, at),
        CaptureEventKind.StreamEnded => new("ended", message, at),
        CaptureEventKind.Stopped => new("stopped", message, at),
        _ => this,
    };

    /// <summary>A part captured after the last event proves frames flow, even when the event saying so was lost.</summary>
    internal CameraState Resolve(DateTimeOffset? lastPart) =>
        State is "starting" or "reconnecting" && lastPart is { } part && (Since is null || part > Since) ? new("streaming", "frames arriving", part) : this;
}
