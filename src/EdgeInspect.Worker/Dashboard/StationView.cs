using System.Text.Json.Nodes;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Core.Statistics;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Link;
using LinkOptions = EdgeInspect.Worker.Link.LinkOptions;
using EdgeInspect.Worker.Pipeline.Control;
using EdgeInspect.Worker.Pipeline.Quality;
using EdgeInspect.Worker.Telemetry;

namespace EdgeInspect.Worker.Dashboard;

/// <summary>Whether the station runs: the dashboard outlives it in `demo --hold`, and says so.</summary>
public enum StationRunState
{
    Starting,
    Running,
    Stopped,
}

/// <summary>
/// The dashboard's reads of a built station: control (mode, models), quality (agreement, the promotion gate), the
/// stages' counters, the plant link (when there is one) and the active model's drift reference. Every read is one
/// the architecture allows a sink: snapshots that take no lock a stage holds while it waits.
/// </summary>
public sealed class StationView
{
    private readonly StationConfig _config;
    private readonly StationControl _control;
    private readonly QualityStage _quality;
    private readonly StationFigures _figures;
    private readonly PlantLink? _plant;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private ReferenceCache? _reference;
    private int _state;

    public StationView(StationConfig config, StationControl control, QualityStage quality, StationFigures figures, PlantLink? plant, TimeProvider time)
    {
        _config = config;
        _control = control;
        _quality = quality;
        _figures = figures;
        _plant = plant;
        _time = time;
        _started = time.GetUtcNow();
    }

    public StationControl Control => _control;

    public PlantLink? Plant => _plant;

    public StationConfig Config => _config;

    public StationRunState State
    {
        get => (StationRunState)Volatile.Read(ref _state);
        set => Volatile.Write(ref _state, (int)value);
    }

    public AutomationMode Mode => _control.Mode;

    public ModelIdentity? ActiveModel => _control.Models.Active?.Identity;

    /// <summary>The outbox takes records: open and not full. Null when this station has no plant link.</summary>
    public bool? OutboxHasRoom => _plant is null ? null : _plant.Outbox.Fill < 1 && _plant.Outbox.HeldForRoom == 0;

    public JsonObject StatusJson(CameraState camera, MetricsBody? lastMetrics)
    {
        var o = _config.Options;
        var figures = _figures.Read();
        var models = _control.Models;
        var capture = _config.Section<EdgeInspect.Core.Capture.CaptureOptions>("capture");
        return new JsonObject
        {
            ["at"] = _time.GetUtcNow().ToString("O"),
            ["station"] = new JsonObject
            {
                ["deviceId"] = o.Station.DeviceId,
                ["site"] = o.Station.Site,
                ["area"] = o.Station.Area,
                ["line"] = o.Station.Line,
                ["name"] = o.Station.Name,
                ["configRevision"] = o.Station.ConfigRevision,
                ["state"] = State.ToString().ToLowerInvariant(),
                ["startedAt"] = _started.ToString("O"),
                ["uptimeS"] = Math.Round((_time.GetUtcNow() - _started).TotalSeconds),
            },
            ["mode"] = _control.Mode.ToName(),
            ["models"] = new JsonObject
            {
                ["active"] = Identity(models.Active?.Identity),
                ["candidate"] = Identity(models.Candidate?.Identity),
                ["previous"] = Identity(models.Previous?.Identity),
            },
            ["link"] = LinkJson(),
            ["camera"] = new JsonObject
            {
                ["id"] = capture.CameraId,
                ["state"] = camera.State,
                ["up"] = camera.Up,
                ["detail"] = camera.Detail,
                ["since"] = camera.Since?.ToString("O"),
                ["framesDelivered"] = figures.GetValueOrDefault("capture.frames"),
            },
            ["latency"] = StageLatency(lastMetrics),
            ["queues"] = QueuesJson(figures),
            ["drops"] = new JsonObject
            {
                ["frames"] = Drops(figures, StationDrops.Frames),
                ["messages"] = Drops(figures, StationDrops.Messages),
                ["samples"] = Drops(figures, StationDrops.Samples),
            },
            ["quality"] = QualityJson(),
            ["drift"] = new JsonObject { ["reference"] = Reference() },
        };
    }

    /// <summary>One point of the quality charts: agreement and kappa over the sliding window and since the mode started, with their 95% intervals.</summary>
    public JsonObject? AgreementPoint()
    {
        var snapshot = _quality.AgreementSnapshot();
        var window = snapshot.ModelVsHuman.Window;
        var cumulative = snapshot.ModelVsHuman.Cumulative;
        if (cumulative.Parts == 0 && window.Parts == 0)
        {
            return null;
        }

        var kappa = KappaInterval.Of(window);
        return new JsonObject
        {
            ["n"] = window.Parts,
            ["a"] = Json.Number(window.Agreement, 5),
            ["lo"] = Json.Number(window.AgreementInterval95?.Lower, 5),
            ["hi"] = Json.Number(window.AgreementInterval95?.Upper, 5),
            ["k"] = Json.Number(kappa?.Kappa, 5),
            ["klo"] = Json.Number(kappa?.Interval95.Lower, 5),
            ["khi"] = Json.Number(kappa?.Interval95.Upper, 5),
            ["cn"] = cumulative.Parts,
            ["ca"] = Json.Number(cumulative.Agreement, 5),
            ["clo"] = Json.Number(cumulative.AgreementInterval95?.Lower, 5),
            ["chi"] = Json.Number(cumulative.AgreementInterval95?.Upper, 5),
        };
    }

    public JsonObject QueuesJson() => QueuesJson(_figures.Read());

    private static JsonObject QueuesJson(IReadOnlyDictionary<string, double> figures)
    {
        var queues = new JsonObject();
        foreach (var (key, value) in figures.Where(kv => kv.Key.StartsWith("pipeline.queue.", StringComparison.Ordinal) && kv.Key != "pipeline.queue.dropped_oldest")
                     .OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            queues[key["pipeline.queue.".Length..] is "depth" ? "frames" : key["pipeline.queue.".Length..]] = (long)value;
        }

        if (figures.TryGetValue("verdict_join.pending", out var pending))
        {
            queues["verdicts_pending"] = (long)pending;
        }

        return queues;
    }

    private JsonObject LinkJson()
    {
        if (_plant is null)
        {
            return new JsonObject { ["present"] = false };
        }

        var outbox = _plant.Outbox;
        return new JsonObject
        {
            ["present"] = true,
            ["connected"] = _plant.Link.IsConnected,
            ["broker"] = $"{_config.Section<LinkOptions>("link").Host}:{_config.Section<LinkOptions>("link").Port}",
            ["published"] = _plant.Link.Counters.Published,
            ["acknowledged"] = _plant.Link.Counters.Acknowledged,
            ["reconnects"] = _plant.Link.Counters.Reconnects,
            ["outbox"] = new JsonObject
            {
                ["depth"] = outbox.Depth,
                ["bytes"] = outbox.Bytes,
                ["fill"] = Json.Number(outbox.Fill, 5),
                ["nearCap"] = outbox.IsNearCap,
                ["hasRoom"] = OutboxHasRoom,
            },
            ["commands"] = new JsonObject { ["accepted"] = _plant.Commands.Accepted, ["rejected"] = _plant.Commands.Rejected },
        };
    }

    /// <summary>Per stage over the last update interval from the pipeline's own instruments (the last metrics body), in milliseconds.</summary>
    private static JsonObject StageLatency(MetricsBody? metrics)
    {
        var stages = new JsonObject();
        if (metrics is null)
        {
            return new JsonObject { ["stages"] = stages, ["source"] = null };
        }

        foreach (var stage in metrics.Values.Keys.Where(k => k.StartsWith("stages.", StringComparison.Ordinal) && k.EndsWith(".count", StringComparison.Ordinal))
                     .Select(k => k["stages.".Length..^".count".Length]).Order(StringComparer.Ordinal))
        {
            double Get(string key) => metrics.Values.TryGetValue($"stages.{stage}.{key}", out var v) ? v : double.NaN;
            stages[stage] = new JsonObject
            {
                ["count"] = (long)Get("count"),
                ["p50Ms"] = Json.Number(Get("p50_ms"), 3),
                ["p95Ms"] = Json.Number(Get("p95_ms"), 3),
                ["p99Ms"] = Json.Number(Get("p99_ms"), 3),
                ["maxMs"] = Json.Number(Get("max_ms"), 3),
            };
        }

        return new JsonObject
        {
            ["stages"] = stages,
            ["intervalS"] = Json.Number(metrics.Values.GetValueOrDefault("interval_s"), 3),
            ["cpuUtilization"] = Json.Number(metrics.Values.GetValueOrDefault("process.cpu_utilization"), 4),
            ["rssBytes"] = metrics.Values.TryGetValue("process.rss_bytes", out var rss) ? (long)rss : null,
        };
    }

    private static JsonObject Drops(IReadOnlyDictionary<string, double> figures, IReadOnlyList<(string Figure, string Cause)> map)
    {
        var json = new JsonObject();
        foreach (var (figure, cause) in map)
        {
            if (figures.TryGetValue(figure, out var value))
            {
                json[cause] = (long)value;
            }
        }

        return json;
    }

    private JsonObject QualityJson()
    {
        var snapshot = _quality.AgreementSnapshot();
        var promotion = _quality.PromotionEvaluation();
        var options = _config.Options.Promotion;
        var candidate = _control.Models.Candidate?.Identity;
        return new JsonObject
        {
            ["mode"] = snapshot.Mode,
            ["modeSince"] = snapshot.ModeSince.ToString("O"),
            ["windowParts"] = snapshot.WindowParts,
            ["cumulative"] = Figures(snapshot.ModelVsHuman.Cumulative),
            ["window"] = Figures(snapshot.ModelVsHuman.Window),
            ["byInspector"] = Json.Map(snapshot.ByInspector, f => Figures(f.Cumulative)),
            ["unsureVerdicts"] = snapshot.UnsureVerdicts,
            ["promotion"] = new JsonObject
            {
                ["subject"] = candidate is null ? $"active model {_control.Models.Active?.Identity.Name} in {_control.Mode.ToName()} mode" : $"candidate {candidate.Name} {candidate.Version}",
                ["ready"] = promotion.Ready,
                ["autoPromote"] = options.AutoPromote,
                ["criteria"] = new JsonArray([.. promotion.Criteria.Select(c => (JsonNode)Criterion(c))]),
            },
        };
    }

    /// <summary>One criterion, with how far it is from passing: parts still to compare, or the gap to the threshold.</summary>
    private static JsonObject Criterion(CriterionResult c)
    {
        var gap = c.Actual is { } actual ? Math.Max(0, c.Required - actual) : (double?)null;
        return new JsonObject
        {
            ["criterion"] = c.Criterion switch
            {
                PromotionCriterion.MinParts => "parts compared",
                PromotionCriterion.MinAgreement => "agreement with the inspector",
                _ => "defect recall, 95% lower bound",
            },
            ["id"] = c.Criterion.ToString(),
            ["met"] = c.Met,
            ["actual"] = Json.Number(c.Actual, 5),
            ["required"] = Json.Number(c.Required, 5),
            ["gap"] = Json.Number(gap, 5),
            ["progress"] = Json.Number(c.Actual is { } a && c.Required > 0 ? Math.Clamp(a / c.Required, 0, 1) : c.Met ? 1 : 0, 4),
            ["reason"] = c.Reason,
        };
    }

    private static JsonObject Figures(AgreementFigures f)
    {
        var kappa = KappaInterval.Of(f);
        return new JsonObject
        {
            ["parts"] = f.Parts,
            ["tp"] = f.TruePositive,
            ["fp"] = f.FalsePositive,
            ["fn"] = f.FalseNegative,
            ["tn"] = f.TrueNegative,
            ["agreement"] = Json.Number(f.Agreement, 5),
            ["agreementLower95"] = Json.Number(f.AgreementInterval95?.Lower, 5),
            ["agreementUpper95"] = Json.Number(f.AgreementInterval95?.Upper, 5),
            ["kappa"] = Json.Number(f.Kappa, 5),
            ["kappaLower95"] = Json.Number(kappa?.Interval95.Lower, 5),
            ["kappaUpper95"] = Json.Number(kappa?.Interval95.Upper, 5),
            ["defectRecall"] = Json.Number(f.DefectRecall, 5),
            ["defectRecallLower95"] = Json.Number(f.DefectRecallInterval95?.Lower, 5),
            ["defectPrecision"] = Json.Number(f.DefectPrecision, 5),
        };
    }

    private static JsonObject? Identity(ModelIdentity? identity) =>
        identity is null ? null : new JsonObject { ["name"] = identity.Name, ["version"] = identity.Version, ["sha256"] = identity.Sha256 };

    /// <summary>
    /// The reference band of each input metric from the active package's drift baseline: the reference frames' mean ± 2
    /// standard deviations (where about 95% of single reference frames lie). Cached per active model.
    /// </summary>
    private JsonObject? Reference()
    {
        var manifest = _control.Models.Active?.Manifest;
        if (Volatile.Read(ref _reference) is { } cached && ReferenceEquals(cached.Manifest, manifest))
        {
            return cached.Reference?.DeepClone().AsObject();
        }

        JsonObject? reference = null;
        if (manifest?.Baseline is { } json)
        {
            try
            {
                var baseline = DriftBaseline.FromJson(json);
                var metrics = new JsonObject();
                foreach (var (name, _) in DashboardFeed.InputColumns)
                {
                    if (InputMetricNames.TryParse(name, out var metric) && baseline.Inputs.TryGetValue(metric, out var b))
                    {
                        metrics[name] = new JsonObject
                        {
                            ["mean"] = Json.Number(b.Mean, 5),
                            ["std"] = Json.Number(b.Std, 5),
                            ["low"] = Json.Number(b.Mean - (2 * b.Std), 5),
                            ["high"] = Json.Number(b.Mean + (2 * b.Std), 5),
                        };
                    }
                }

                reference = new JsonObject { ["model"] = manifest.Identity.Name, ["frames"] = baseline.FrameCount, ["metrics"] = metrics, ["defectRate"] = Json.Number(baseline.DefectRate, 5) };
            }
            catch (FormatException)
            {
                reference = null;
            }
        }

        Volatile.Write(ref _reference, new ReferenceCache(manifest, reference));
        return reference?.DeepClone().AsObject();
    }

    private sealed record ReferenceCache(ModelManifest? Manifest, JsonObject? Reference);
}
