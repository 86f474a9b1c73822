using System.Globalization;
using System.Text;

namespace EdgeInspect.Worker.Replay;

/// <summary>
/// report.html: one self-contained file (inline CSS, inline SVG, thumbnails as data URIs, no script, no network)
/// rendered from the <see cref="ReplayReport"/> alone. Key numbers and chart parts carry data-testid and
/// data-value (the exact report.json value) so a browser test can compare what is drawn with what was measured.
/// </summary>
public static class ReportHtmlWriter
{
    public const string FileName = "report.html";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<string> WriteAsync(ReplayReport report, string directory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, Render(report), new UTF8Encoding(false), cancellationToken);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    public static string Render(ReplayReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder(64 * 1024);
        var run = report.Run;
        var title = $"Replay report: {run.Model.Name} {run.Model.Version}";
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            // Belt and braces for "no network": the page may load nothing but itself and its data: images.
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">")
            .Append("<title>").Append(Svg.Esc(title)).Append("</title><style>").Append(Css).Append("</style></head><body><main>");

        sb.Append("<header><h1>").Append(Svg.Esc(title)).Append("</h1><p class=\"sub\">")
            .Append(Inv, $"<span data-testid=\"source\">{Svg.Esc(run.Source)}</span> · mode <b data-testid=\"mode\">{Svg.Esc(run.Mode)}</b> · ")
            .Append(Inv, $"{run.StartedUtc:yyyy-MM-dd HH:mm:ss} → {run.EndedUtc:HH:mm:ss} UTC · model sha256 <code title=\"{Svg.Esc(run.Model.Sha256)}\">{Svg.Esc(Short(run.Model.Sha256))}</code>")
            .Append("</p></header>");

        Cards(sb, report);
        IncidentSection(sb, report);

        var evaluation = report.Evaluation;
        if (evaluation is not null)
        {
            sb.Append("<section class=\"row\"><div class=\"panel\"><h2>Confusion matrix</h2><p class=\"hint\">Rows are the labels, columns the model's predictions; shading is the share of the row.</p>");
            ReportCharts.ConfusionMatrix(sb, evaluation);
            sb.Append("</div><div class=\"panel grow\"><h2>Precision and recall per class</h2>");
            ReportCharts.PerClass(sb, evaluation);
            ClassTable(sb, evaluation);
            sb.Append("</div></section>");
        }
        else
        {
            sb.Append("<section class=\"panel\"><h2>Evaluation</h2><p data-testid=\"no-labels\">No labels were given, so there is no confusion matrix, precision or recall.</p></section>");
        }

        sb.Append("<section class=\"row\"><div class=\"panel\"><h2>Defect score</h2><p class=\"hint\">Frames per score bin; the dashed line is the reject threshold.</p>");
        ReportCharts.ScoreHistogram(sb, report.Scores);
        sb.Append("</div>");
        if (evaluation is not null)
        {
            BinaryTable(sb, evaluation.Binary);
        }

        sb.Append("</section><section class=\"panel\"><h2>Latency</h2><div class=\"latency\">");
        foreach (var stage in report.Latency.Stages)
        {
            ReportCharts.Latency(sb, stage, StageTitle(stage.Stage));
        }

        sb.Append("</div>");
        LatencyTable(sb, report.Latency);
        sb.Append("</section>");

        sb.Append("<section class=\"panel\"><h2>Input metrics, incidents and drift alerts</h2>");
        sb.Append(Inv, $"<p class=\"hint\">{report.Incidents.Count} incident(s), {report.Timeline.Alerts.Count} alert event(s). The labelled bands along the top are the incidents, from their first alert to the last clearing; red markers: alert raised; dashed green: cleared; the light shading is the time an alert was active.</p>");
        ReportCharts.Timeline(sb, report.Timeline, report.Incidents);
        AlertTable(sb, report.Timeline);
        sb.Append("</section>");

        DisagreementTable(sb, report.Disagreements);

        sb.Append(Inv, $"<footer>edgeinspect replay · report schema {report.SchemaVersion} · numbers in report.json beside this file</footer>");
        sb.Append("</main></body></html>");
        return sb.ToString();
    }

    /// <summary>The exact value as report.json writes it (shortest round-trip), or empty for null.</summary>
    internal static string Value(double? v) => v is { } d ? d.ToString("R", Inv) : string.Empty;

    internal static string Percent(double? v) => v is { } d ? (d * 100).ToString("0.00", Inv) + "%" : "n/a";

    private static void Cards(StringBuilder sb, ReplayReport report)
    {
        var run = report.Run;
        var evaluation = report.Evaluation;
        var e2e = report.Latency.Stages.FirstOrDefault(s => s.Stage == LatencyStages.EndToEnd);
        var raised = report.Timeline.Alerts.Count(a => a.IsRaised);
        sb.Append("<section class=\"cards\">");
        Card(sb, "frames", "Frames", run.Frames.ToString("N0", Inv), Value(run.Frames), $"{run.LabelledFrames:N0} labelled");
        if (evaluation is not null)
        {
            Card(sb, "accuracy", "Accuracy", Percent(evaluation.Accuracy), Value(evaluation.Accuracy), $"{evaluation.Correct:N0} of {evaluation.LabelledFrames:N0} correct", Tone(evaluation.Accuracy, 0.97));
            Card(sb, "defect-recall", "Defect recall", Percent(evaluation.Binary.DefectRecall), Value(evaluation.Binary.DefectRecall), "defects scored ≥ threshold", Tone(evaluation.Binary.DefectRecall, 0.95));
            Card(sb, "false-alarm-rate", "False alarms on ok", Percent(evaluation.Binary.FalseAlarmRate), Value(evaluation.Binary.FalseAlarmRate), $"{evaluation.Binary.FalsePositives} of {evaluation.Binary.OkFrames} ok parts",
                evaluation.Binary.FalseAlarmRate is { } f ? (f <= 0.02 ? "good" : "bad") : null);
        }

        Card(sb, "fps", "Throughput", run.Fps.ToString("0.0", Inv) + " fps", Value(run.Fps), $"{run.DurationSeconds:0.0} s in all");
        if (e2e is not null)
        {
            Card(sb, "latency-p95", "End-to-end p95", e2e.P95Ms.ToString("0.00", Inv) + " ms", Value(e2e.P95Ms), $"p50 {e2e.P50Ms:0.00} ms · p99 {e2e.P99Ms:0.00} ms");
        }

        var incidents = report.Incidents.Count;
        Card(sb, "incidents", "Incidents", incidents.ToString(Inv), Value(incidents),
            incidents == 0 ? "nothing changed on the line" : string.Join(", ", report.Incidents.Select(i => i.Diagnosis.Class).Distinct()), incidents == 0 ? "good" : "bad");
        Card(sb, "alerts", "Drift alerts", raised.ToString(Inv), Value(raised), raised == 0 ? "inputs looked stable" : "grouped into the incidents", raised == 0 ? "good" : null);
        Card(sb, "disagreements", "Disagreements", report.Disagreements.Total.ToString("N0", Inv), Value(report.Disagreements.Total), "frames where model ≠ label");
        sb.Append("</section>");
    }

    private static string? Tone(double? value, double good) => value is { } v ? (v >= good ? "good" : "bad") : null;

    private static void Card(StringBuilder sb, string testId, string label, string display, string value, string note, string? tone = null) =>
        sb.Append(Inv, $"<div class=\"card {tone}\"><div class=\"label\">{Svg.Esc(label)}</div><div class=\"value\" data-testid=\"{testId}\" data-value=\"{value}\">{Svg.Esc(display)}</div><div class=\"note\">{Svg.Esc(note)}</div></div>");

    private static void ClassTable(StringBuilder sb, ReplayEvaluation evaluation)
    {
        sb.Append("<table class=\"data\"><thead><tr><th>class</th><th>support</th><th>predicted</th><th>precision</th><th>recall</th></tr></thead><tbody>");
        foreach (var c in evaluation.Classes)
        {
            sb.Append(Inv, $"<tr><td>{Svg.Esc(c.Name)}</td><td data-testid=\"support-{c.Index}\" data-value=\"{c.Support}\">{c.Support}</td><td>{c.Predicted}</td>")
                .Append(Inv, $"<td data-testid=\"precision-{c.Index}\" data-value=\"{Value(c.Precision)}\">{Percent(c.Precision)}</td>")
                .Append(Inv, $"<td data-testid=\"recall-{c.Index}\" data-value=\"{Value(c.Recall)}\">{Percent(c.Recall)}</td></tr>");
        }

        sb.Append("</tbody></table>");
    }

    private static void BinaryTable(StringBuilder sb, BinaryDefectView b)
    {
        sb.Append(Inv, $"<div class=\"panel grow\"><h2>Reject decision at threshold {Svg.N(b.Threshold)}</h2><p class=\"hint\">What the line would do: reject when the defect score is at or above the threshold, whatever the class.</p>");
        sb.Append("<table class=\"data binary\"><thead><tr><th></th><th>rejected</th><th>passed</th><th></th></tr></thead><tbody>");
        sb.Append(Inv, $"<tr><th>labelled defect</th><td class=\"hit\" data-testid=\"binary-tp\" data-value=\"{b.TruePositives}\">{b.TruePositives}</td><td class=\"miss\" data-testid=\"binary-fn\" data-value=\"{b.FalseNegatives}\">{b.FalseNegatives}</td><td>recall {Percent(b.DefectRecall)}</td></tr>");
        sb.Append(Inv, $"<tr><th>labelled ok</th><td class=\"miss\" data-testid=\"binary-fp\" data-value=\"{b.FalsePositives}\">{b.FalsePositives}</td><td class=\"hit\" data-testid=\"binary-tn\" data-value=\"{b.TrueNegatives}\">{b.TrueNegatives}</td><td>false alarms {Percent(b.FalseAlarmRate)}</td></tr>");
        sb.Append("</tbody></table></div>");
    }

    private static void LatencyTable(StringBuilder sb, LatencyReport latency)
    {
        sb.Append("<table class=\"data\"><thead><tr><th>stage</th><th>frames</th><th>mean</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr></thead><tbody>");
        foreach (var s in latency.Stages)
        {
            sb.Append(Inv, $"<tr><td>{Svg.Esc(StageTitle(s.Stage))}</td><td>{s.Count:N0}</td><td>{s.MeanMs:0.00} ms</td>");
            foreach (var (name, v) in new[] { ("p50", s.P50Ms), ("p95", s.P95Ms), ("p99", s.P99Ms) })
            {
                sb.Append(Inv, $"<td data-testid=\"latency-{Svg.Esc(s.Stage)}-{name}\" data-value=\"{Value(v)}\">{v:0.00} ms</td>");
            }

            sb.Append(Inv, $"<td>{s.MaxMs:0.00} ms</td></tr>");
        }

        sb.Append("</tbody></table>");
    }

    /// <summary>
    /// The incidents first: what happened, how sure, what to do, and which alerts make it up; the alert table further
    /// down is the detail for tools.
    /// </summary>
    private static void IncidentSection(StringBuilder sb, ReplayReport report)
    {
        sb.Append("<section class=\"panel\" data-testid=\"incidents\"><h2>Incidents</h2>");
        if (report.Incidents.Count == 0)
        {
            sb.Append("<p class=\"hint\" data-testid=\"no-incidents\">No incident: no alert was raised, or none reached ALERT.</p></section>");
            return;
        }

        sb.Append("<p class=\"hint\">Each incident groups the alerts one change on the line set off, with the diagnosis the rules of docs/drift.md gave it.</p>");
        sb.Append("<table class=\"data\"><thead><tr><th>incident</th><th>diagnosis</th><th>frames</th><th>alerts</th><th>action</th></tr></thead><tbody>");
        foreach (var i in report.Incidents)
        {
            var state = i.IsOpen ? "raised" : "cleared";
            var frames = i.EndFrame is { } end ? $"{i.RaisedFrame}–{end}" : $"{i.RaisedFrame}– (open at the end)";
            var raisedAs = i.RaisedAs == i.Diagnosis.Class ? "" : $"<br><span class=\"hint\">raised as {Svg.Esc(i.RaisedAs)}</span>";
            var members = string.Join(", ", i.Members.Select(m => m.Name));
            sb.Append(Inv, $"<tr data-testid=\"incident-row\" data-id=\"{Svg.Esc(i.Id)}\" data-class=\"{Svg.Esc(i.Diagnosis.Class)}\" data-raised-frame=\"{i.RaisedFrame}\">")
                .Append(Inv, $"<td><code>{Svg.Esc(i.Id)}</code><br><span class=\"pill {state}\">{(i.IsOpen ? "open" : "cleared")}</span></td>")
                .Append(Inv, $"<td><b>{Svg.Esc(i.Diagnosis.Class)}</b> ({i.Diagnosis.Confidence:0.00}){raisedAs}<br><span class=\"hint\">{Svg.Esc(i.Diagnosis.Reason)}</span></td>")
                .Append(Inv, $"<td>{frames}</td><td title=\"{Svg.Esc(members)}\">{i.Members.Count}</td><td>{Svg.Esc(i.Diagnosis.Action)}</td></tr>");
        }

        sb.Append("</tbody></table></section>");
    }

    private static void AlertTable(StringBuilder sb, InputTimeline timeline)
    {
        if (timeline.Alerts.Count == 0)
        {
            sb.Append("<p class=\"hint\" data-testid=\"no-alerts\">No drift alert was raised.</p>");
            return;
        }

        sb.Append("<table class=\"data compact\"><thead><tr><th>frame</th><th>alert</th><th>state</th><th>metric</th><th>value</th></tr></thead><tbody>");
        foreach (var a in timeline.Alerts)
        {
            var state = a.IsRaised ? "raised" : "cleared";
            sb.Append(Inv, $"<tr data-testid=\"alert-row\"><td>{a.FrameIndex}</td><td>{Svg.Esc(a.Name)}</td><td><span class=\"pill {state}\">{state}</span></td><td>{Svg.Esc(a.Metric)}</td><td>{(a.Value is { } v ? v.ToString("0.###", Inv) : "")}</td></tr>");
        }

        sb.Append("</tbody></table>");
    }

    private static void DisagreementTable(StringBuilder sb, DisagreementSection section)
    {
        sb.Append("<section class=\"panel\"><h2>Frames that disagree with their label</h2>");
        if (section.Total == 0)
        {
            sb.Append("<p class=\"hint\" data-testid=\"no-disagreements\">Every labelled frame agrees with the model.</p></section>");
            return;
        }

        sb.Append(Inv, $"<p class=\"hint\">Showing {section.Frames.Count} of {section.Total}.</p>");
        sb.Append("<table class=\"data disagreements\" data-testid=\"disagreements\"><thead><tr><th></th><th>frame</th><th>file</th><th>label</th><th>predicted</th><th>defect score</th></tr></thead><tbody>");
        foreach (var d in section.Frames)
        {
            // Only data:image/jpeg URIs the builder made are embedded; anything else would be a way out to the network.
            var thumb = d.Thumbnail is { } uri && uri.StartsWith("data:image/jpeg;base64,", StringComparison.Ordinal)
                ? $"<img src=\"{Svg.Esc(uri)}\" alt=\"{Svg.Esc(d.File)}\" width=\"128\" height=\"96\">"
                : "<div class=\"nothumb\">no image</div>";
            sb.Append(Inv, $"<tr data-testid=\"disagreement-row\" data-frame=\"{d.FrameIndex}\"><td>{thumb}</td><td>{d.FrameIndex}</td><td><code>{Svg.Esc(d.File)}</code></td>")
                .Append(Inv, $"<td><span class=\"pill label\">{Svg.Esc(d.TrueLabel)}</span></td><td><span class=\"pill predicted\">{Svg.Esc(d.Predicted)}</span></td><td>{d.Score:0.000}</td></tr>");
        }

        sb.Append("</tbody></table></section>");
    }

    private static string StageTitle(string stage) => stage switch
    {
        LatencyStages.Preprocess => "Preprocess",
        LatencyStages.Inference => "Inference",
        LatencyStages.EndToEnd => "End to end",
        _ => stage,
    };

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] + "…" : sha;

    private const string Css = """
        :root{--ink:#1f2933;--muted:#6b7280;--line:#e5e7eb;--bg:#f4f5f7;--good:#2a9d8f;--bad:#d62828}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
        main{max-width:1200px;margin:0 auto;padding:24px}
        h1{font-size:22px;margin:0 0 4px}
        h2{font-size:15px;margin:0 0 8px;letter-spacing:.01em}
        .sub,.hint{color:var(--muted);margin:0 0 10px}
        code{font:12px ui-monospace,"DejaVu Sans Mono",monospace;background:#eef0f3;padding:1px 4px;border-radius:3px}
        header{margin-bottom:16px}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:12px;margin-bottom:16px}
        .card{background:#fff;border:1px solid var(--line);border-left:4px solid #cbd5e1;border-radius:8px;padding:10px 12px}
        .card.good{border-left-color:var(--good)}
        .card.bad{border-left-color:var(--bad)}
        .card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
        .card .value{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
        .card .note{color:var(--muted);font-size:12px}
        .panel{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin-bottom:16px;overflow-x:auto}
        .row{display:flex;gap:16px;flex-wrap:wrap}
        .row>.panel{flex:0 1 auto}
        .row>.panel.grow{flex:1 1 420px}
        .latency{display:flex;flex-wrap:wrap;gap:8px}
        svg.chart{display:block;max-width:100%;height:auto;margin:4px 0 8px}
        svg text{font-family:inherit;fill:var(--ink)}
        svg .tick{font-size:11px;fill:var(--muted)}
        svg .axis-title{font-size:12px;fill:var(--muted)}
        svg .legend,svg .note,svg .bar-label{font-size:11px}
        svg .chart-title,svg .panel-title{font-size:12px;font-weight:600}
        svg .alert-label{font-size:11px;font-weight:600}
        svg .incident-label{font-size:11px;font-weight:650;fill:#fff}
        svg .cm-count{font-size:15px;font-weight:600}
        svg .cm-count.light{fill:#fff}
        table.data{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;margin-top:6px}
        table.data th{text-align:left;color:var(--muted);font-weight:600;font-size:12px;border-bottom:1px solid var(--line);padding:6px 8px}
        table.data td{border-bottom:1px solid var(--line);padding:6px 8px;vertical-align:middle}
        table.compact td{padding:3px 8px}
        .disagreements img{display:block;width:128px;height:96px;object-fit:cover;border-radius:4px;border:1px solid var(--line)}
        .nothumb{width:128px;height:96px;display:flex;align-items:center;justify-content:center;background:#eef0f3;color:var(--muted);border-radius:4px;font-size:12px}
        .pill{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;background:#eef0f3}
        .pill.raised{background:#fde2e2;color:#9b1c1c}
        .pill.cleared{background:#d9f2ee;color:#1d6b61}
        .pill.label{background:#d9f2ee;color:#1d6b61}
        .pill.predicted{background:#fde8df;color:#9a3412}
        table.binary td,table.binary th{font-size:14px}
        table.binary td.hit{background:#e6f5f2;font-weight:600;text-align:center}
        table.binary td.miss{background:#fdecec;font-weight:600;text-align:center}
        footer{color:var(--muted);font-size:12px;text-align:center;margin:8px 0 24px}
        """;
}
