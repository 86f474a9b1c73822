using System.Text;

namespace EdgeInspect.Worker.Replay;

/// <summary>
/// The report's charts as inline SVG, computed here rather than in the browser so the file renders with scripts
/// off and the numbers a reader sees are the ones in report.json.
/// </summary>
internal static class ReportCharts
{
    public const string Ok = "#2a9d8f";
    public const string Defect = "#e76f51";
    public const string Precision = "#3b6fb6";
    public const string Recall = "#f2a541";
    public const string Raised = "#d62828";
    public const string Cleared = "#2a9d8f";
    private const string Grid = "#e5e7eb";
    private const string Axis = "#9ca3af";

    public static void ConfusionMatrix(StringBuilder sb, ReplayEvaluation evaluation)
    {
        var names = evaluation.ClassNames;
        var n = names.Count;
        const double cell = 64, left = 128, top = 52;
        var width = left + n * cell + 16;
        var height = top + n * cell + 16;
        var svg = new Svg(sb);
        svg.Open("chart-confusion", width, height, "Confusion matrix: rows are the labels, columns the model's predictions");
        svg.Text(left + n * cell / 2, 14, "predicted", "middle", "axis-title");
        for (var p = 0; p < n; p++)
        {
            svg.Text(left + p * cell + cell / 2, top - 10, names[p], "middle", "tick");
        }

        svg.Text(14, top + n * cell / 2, "true", "middle", "axis-title", $"transform=\"rotate(-90 14 {Svg.N(top + n * cell / 2)})\"");
        for (var t = 0; t < n; t++)
        {
            var row = evaluation.ConfusionMatrix[t];
            var rowTotal = row.Sum();
            svg.Text(left - 10, top + t * cell + cell / 2 + 4, names[t], "end", "tick");
            for (var p = 0; p < n; p++)
            {
                var count = row[p];
                var share = rowTotal == 0 ? 0 : (double)count / rowTotal;
                var alpha = count == 0 ? 0 : 0.12 + 0.83 * share;
                var fill = count == 0 ? "#f3f4f6" : t == p ? $"rgba(42,157,143,{Svg.N(alpha)})" : $"rgba(214,40,40,{Svg.N(alpha)})";
                var x = left + p * cell;
                var y = top + t * cell;
                svg.OpenGroup($"data-testid=\"cm-{t}-{p}\" data-value=\"{count}\"");
                svg.Rect(x + 1, y + 1, cell - 2, cell - 2, fill, "rx=\"4\"", $"true {names[t]}, predicted {names[p]}: {count} ({share:P1} of {names[t]})");
                svg.Text(x + cell / 2, y + cell / 2 + 5, count.ToString(System.Globalization.CultureInfo.InvariantCulture), "middle", alpha > 0.55 ? "cm-count light" : "cm-count");
                svg.CloseGroup();
            }
        }

        svg.Close();
    }

    public static void PerClass(StringBuilder sb, ReplayEvaluation evaluation)
    {
        var classes = evaluation.Classes;
        const double left = 44, top = 30, plotH = 180, group = 112, bar = 36, bottom = 34;
        var width = left + classes.Count * group + 12;
        var height = top + plotH + bottom;
        var svg = new Svg(sb);
        svg.Open("chart-per-class", width, height, "Precision and recall per class");
        LegendItem(svg, left, 12, Precision, "precision");
        LegendItem(svg, left + 90, 12, Recall, "recall");
        foreach (var tick in new[] { 0, 0.25, 0.5, 0.75, 1 })
        {
            var y = top + plotH - tick * plotH;
            svg.Line(left, y, width - 12, y, Grid);
            svg.Text(left - 6, y + 4, Svg.TickLabel(tick), "end", "tick");
        }

        for (var i = 0; i < classes.Count; i++)
        {
            var c = classes[i];
            var gx = left + i * group + (group - 2 * bar - 4) / 2;
            Bar(svg, gx, c.Precision, $"bar-precision-{i}", Precision, $"{c.Name} precision");
            Bar(svg, gx + bar + 4, c.Recall, $"bar-recall-{i}", Recall, $"{c.Name} recall");
            svg.Text(left + i * group + group / 2, top + plotH + 18, c.Name, "middle", "tick");
        }

        svg.Line(left, top + plotH, width - 12, top + plotH, Axis);
        svg.Close();

        void Bar(Svg s, double x, double? value, string testId, string colour, string what)
        {
            var attrs = $"data-testid=\"{testId}\" data-value=\"{ReportHtmlWriter.Value(value)}\"";
            s.OpenGroup(attrs);
            if (value is { } v)
            {
                var h = Math.Max(v * plotH, 1);
                s.Rect(x, top + plotH - h, bar, h, colour, "rx=\"2\"", $"{what}: {ReportHtmlWriter.Percent(v)}");
                s.Text(x + bar / 2, top + plotH - h - 4, v.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), "middle", "bar-label");
            }
            else
            {
                s.Text(x + bar / 2, top + plotH - 4, "n/a", "middle", "bar-label");
            }

            s.CloseGroup();
        }
    }

    public static void ScoreHistogram(StringBuilder sb, ScoreHistogram scores)
    {
        const double left = 52, top = 30, plotW = 520, plotH = 190, bottom = 42;
        var width = left + plotW + 16;
        var height = top + plotH + bottom;
        var bins = scores.All.Count;
        var stacked = scores.Ok is not null && scores.Defect is not null;
        var maxCount = Math.Max(1, scores.All.Max());
        var yTicks = Svg.Ticks(0, maxCount);
        var yTop = yTicks[^1];
        var svg = new Svg(sb);
        svg.Open("chart-scores", width, height, "Histogram of the defect score");
        if (stacked)
        {
            LegendItem(svg, left, 12, Ok, "labelled ok");
            LegendItem(svg, left + 110, 12, Defect, "labelled defect");
        }

        YAxis(svg, left, top, plotW, plotH, yTicks);
        var bw = plotW / bins;
        for (var i = 0; i < bins; i++)
        {
            var x = left + i * bw + 1;
            var range = $"score {Svg.N(scores.BinEdges[i])}–{Svg.N(scores.BinEdges[i + 1])}";
            if (stacked)
            {
                var ok = scores.Ok![i];
                var defect = scores.Defect![i];
                var hOk = ok / yTop * plotH;
                var hDefect = defect / yTop * plotH;
                svg.Rect(x, top + plotH - hOk, bw - 2, hOk, Ok, $"data-testid=\"score-ok-{i}\" data-value=\"{ok}\"", $"{range}: {ok} ok");
                svg.Rect(x, top + plotH - hOk - hDefect, bw - 2, hDefect, Defect, $"data-testid=\"score-defect-{i}\" data-value=\"{defect}\"", $"{range}: {defect} defect");
            }
            else
            {
                var all = scores.All[i];
                var h = all / yTop * plotH;
                svg.Rect(x, top + plotH - h, bw - 2, h, "#6b7280", $"data-testid=\"score-all-{i}\" data-value=\"{all}\"", $"{range}: {all} frames");
            }
        }

        foreach (var t in new[] { 0, 0.25, 0.5, 0.75, 1 })
        {
            svg.Text(left + t * plotW, top + plotH + 16, Svg.TickLabel(t), "middle", "tick");
        }

        var tx = left + scores.Threshold * plotW;
        svg.Line(tx, top - 4, tx, top + plotH, "#111827", 1.5, "stroke-dasharray=\"5 4\" data-testid=\"score-threshold\"");
        svg.Text(tx + 4, top + 6, $"threshold {Svg.N(scores.Threshold)}", "start", "note");
        svg.Text(left + plotW / 2, height - 6, "defect score", "middle", "axis-title");
        svg.Close();
    }

    public static void Latency(StringBuilder sb, StageLatency stage, string title)
    {
        const double left = 46, top = 34, plotW = 290, plotH = 130, bottom = 40;
        var width = left + plotW + 14;
        var height = top + plotH + bottom;
        var svg = new Svg(sb);
        svg.Open($"chart-latency-{stage.Stage}", width, height, $"{title} latency distribution");
        svg.Text(left, 14, title, "start", "chart-title");
        svg.Text(left + plotW, 14, $"p50 {stage.P50Ms:0.00} · p95 {stage.P95Ms:0.00} · p99 {stage.P99Ms:0.00} ms", "end", "note");
        var maxCount = stage.Counts.Count == 0 ? 1 : Math.Max(1, stage.Counts.Max());
        var yTicks = Svg.Ticks(0, maxCount, 4);
        YAxis(svg, left, top, plotW, plotH, yTicks);
        var lo = stage.BinEdgesMs[0];
        var hi = stage.HistogramTopMs > lo ? stage.HistogramTopMs : lo + 1;
        double X(double ms) => left + Math.Clamp((ms - lo) / (hi - lo), 0, 1) * plotW;
        var bins = stage.Counts.Count;
        for (var i = 0; i < bins; i++)
        {
            var h = stage.Counts[i] / yTicks[^1] * plotH;
            var bw = plotW / bins;
            var overflowNote = stage.LastBinIncludesOverflow && i == bins - 1 ? " and above" : string.Empty;
            svg.Rect(left + i * bw + 0.5, top + plotH - h, bw - 1, h, "#94a3b8", null,
                $"{Svg.N(stage.BinEdgesMs[i])}–{Svg.N(stage.BinEdgesMs[i + 1])} ms{overflowNote}: {stage.Counts[i]} frames");
        }

        foreach (var t in Svg.Ticks(lo, hi, 4).Where(t => t >= lo - 1e-9 && t <= hi * 1.0001))
        {
            svg.Text(X(t), top + plotH + 14, Svg.TickLabel(t), "middle", "tick");
        }

        svg.Text(left + plotW / 2, height - 6, stage.LastBinIncludesOverflow ? "milliseconds (last bin: everything above)" : "milliseconds", "middle", "axis-title");
        var row = 0;
        foreach (var (name, value, dash) in new[] { ("p50", stage.P50Ms, "none"), ("p95", stage.P95Ms, "5 3"), ("p99", stage.P99Ms, "2 3") })
        {
            // Tags on separate rows: the three lines are often a pixel apart.
            var x = X(value);
            var y = top + 4 + row++ * 11;
            svg.Line(x, top, x, top + plotH, "#111827", 1.2, $"stroke-dasharray=\"{dash}\"");
            var rightSide = x + 26 < left + plotW;
            svg.Text(rightSide ? x + 3 : x - 3, y + 4, name, rightSide ? "start" : "end", "note");
        }

        svg.Close();
    }

    public const string IncidentBand = "#b45309";

    /// <summary>Brightness, contrast and sharpness per frame, with the incidents and the alerts over them.</summary>
    /// <param name="sb">Where the SVG goes.</param>
    /// <param name="timeline">The metrics and alerts.</param>
    /// <param name="incidents">One labelled band each along the top, from the first alert to the last clearing (or the end).</param>
    public static void Timeline(StringBuilder sb, InputTimeline timeline, IReadOnlyList<ReplayIncident>? incidents = null)
    {
        incidents ??= [];
        const double left = 84, right = 20, panelH = 96, gap = 20, bottom = 40, width = 1120, laneH = 18;
        // The incident lane sits above the alert labels, one row per incident that overlaps an earlier one.
        var lanes = IncidentLanes(incidents);
        var laneCount = lanes.Count == 0 ? 0 : lanes.Max() + 1;
        var top = 50 + laneCount * (laneH + 4);
        var metrics = new (string Name, string Colour, Func<TimelinePoint, double> Get)[]
        {
            ("brightness", "#3b6fb6", p => p.Brightness),
            ("contrast", "#8e6bbf", p => p.Contrast),
            ("sharpness", "#2a9d8f", p => p.Sharpness),
        };
        var plotW = width - left - right;
        var plotBottom = top + metrics.Length * panelH + (metrics.Length - 1) * gap;
        var height = plotBottom + bottom;
        var points = timeline.Points;
        var firstFrame = Math.Min(Math.Min(points.Count > 0 ? points[0].FrameIndex : 0, timeline.Alerts.Count > 0 ? timeline.Alerts[0].FrameIndex : long.MaxValue),
            incidents.Count > 0 ? incidents.Min(i => i.StartFrame) : long.MaxValue);
        var lastFrame = Math.Max(points.Count > 0 ? points[^1].FrameIndex : 0, timeline.Alerts.Count > 0 ? timeline.Alerts[^1].FrameIndex : 0);
        var xTicks = Svg.Ticks(firstFrame, Math.Max(lastFrame, firstFrame + 1), 10);
        double x0 = xTicks[0], x1 = xTicks[^1];
        double X(double frame) => left + (frame - x0) / (x1 - x0) * plotW;

        var svg = new Svg(sb);
        svg.Open("chart-timeline", width, height, "Input metrics per frame, with incidents and drift alerts");

        // Incidents: a labelled band in the lane above, and a faint span down through the panels.
        for (var n = 0; n < incidents.Count; n++)
        {
            var incident = incidents[n];
            var from = X(incident.StartFrame);
            var to = X(incident.EndFrame ?? (long)x1);
            var y = 8 + lanes[n] * (laneH + 4);
            var label = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{incident.Diagnosis.Class} ({incident.Diagnosis.Confidence:0.00})");
            var title = $"incident {incident.Id}: {incident.Diagnosis.Class}, frames {incident.StartFrame} to {(incident.EndFrame is { } e ? e.ToString(System.Globalization.CultureInfo.InvariantCulture) : "the end")}, {incident.Members.Count} alerts. {incident.Diagnosis.Action}";
            svg.OpenGroup($"data-testid=\"incident-band\" data-id=\"{Svg.Esc(incident.Id)}\" data-class=\"{Svg.Esc(incident.Diagnosis.Class)}\" data-start=\"{incident.StartFrame}\" data-end=\"{incident.EndFrame}\"");
            svg.Rect(from, top, to - from, plotBottom - top, "rgba(180,83,9,0.07)");
            svg.Rect(from, y, Math.Max(to - from, 2), laneH, IncidentBand, "rx=\"3\"", title);
            if (label.Length * 6.6 + 8 < to - from)
            {
                svg.Text(from + 4, y + 13, label, "start", "incident-label");
            }
            else
            {
                // Too short for its label: it goes beside the band, where a reader still sees what it was.
                svg.Text(to + 4, y + 13, label, "start", "alert-label", $"fill=\"{IncidentBand}\"");
            }

            svg.CloseGroup();
        }

        // Bands first, so lines and markers draw over them: an alert is active from raised until cleared (or the end).
        foreach (var (raised, cleared) in AlertSpans(timeline.Alerts))
        {
            var end = cleared?.FrameIndex ?? (long)x1;
            svg.Rect(X(raised.FrameIndex), top, X(end) - X(raised.FrameIndex), plotBottom - top, "rgba(214,40,40,0.08)", "data-testid=\"alert-span\"",
                $"{raised.Name} active from frame {raised.FrameIndex}" + (cleared is null ? " to the end" : $" to {cleared.FrameIndex}"));
        }

        for (var m = 0; m < metrics.Length; m++)
        {
            var (name, colour, get) = metrics[m];
            var py = top + m * (panelH + gap);
            var values = points.Select(get).ToArray();
            var yTicks = values.Length == 0 ? [0, 1] : Svg.Ticks(values.Min(), values.Max(), 3);
            double y0 = yTicks[0], y1 = yTicks[^1];
            svg.OpenGroup($"data-testid=\"timeline-{name}\"");
            foreach (var t in yTicks)
            {
                var y = py + panelH - (t - y0) / (y1 - y0) * panelH;
                svg.Line(left, y, left + plotW, y, Grid);
                svg.Text(left - 6, y + 4, Svg.TickLabel(t), "end", "tick");
            }

            svg.Text(16, py + panelH / 2, name, "middle", "panel-title", $"fill=\"{colour}\" transform=\"rotate(-90 16 {Svg.N(py + panelH / 2)})\"");
            if (values.Length > 0)
            {
                svg.Polyline(points.Select((p, i) => (X(p.FrameIndex), py + panelH - (values[i] - y0) / (y1 - y0) * panelH)), colour);
            }

            svg.CloseGroup();
        }

        foreach (var t in xTicks)
        {
            svg.Line(X(t), plotBottom, X(t), plotBottom + 4, Axis);
            svg.Text(X(t), plotBottom + 16, Svg.TickLabel(t), "middle", "tick");
        }

        svg.Line(left, plotBottom, left + plotW, plotBottom, Axis);
        svg.Text(left + plotW / 2, height - 6, timeline.BucketSize > 1 ? $"frame (each point averages {timeline.BucketSize} frames)" : "frame", "middle", "axis-title");

        // Labels go on one of two rows; one that fits on neither is left out (the marker keeps its tooltip and the
        // table below lists every alert), since overlapping text is worse than none.
        var rowEnds = new[] { double.NegativeInfinity, double.NegativeInfinity };
        foreach (var alert in timeline.Alerts)
        {
            var x = X(alert.FrameIndex);
            var colour = alert.IsRaised ? Raised : Cleared;
            var state = alert.IsRaised ? "raised" : "cleared";
            svg.OpenGroup($"data-testid=\"alert-marker\" data-frame=\"{alert.FrameIndex}\" data-name=\"{Svg.Esc(alert.Name)}\" data-state=\"{state}\" data-metric=\"{Svg.Esc(alert.Metric)}\"");
            svg.Raw.Append("<title>").Append(Svg.Esc($"{alert.Name} {state} at frame {alert.FrameIndex} ({alert.Metric}{(alert.Value is { } v ? $" = {v:0.###}" : string.Empty)})")).Append("</title>");
            svg.Line(x, top - 6, x, plotBottom, colour, 2, !alert.IsRaised ? "stroke-dasharray=\"4 3\"" : null);
            svg.Raw.Append("<path d=\"M").Append(Svg.N(x - 6)).Append(' ').Append(Svg.N(top - 14)).Append(" L").Append(Svg.N(x + 6)).Append(' ')
                .Append(Svg.N(top - 14)).Append(" L").Append(Svg.N(x)).Append(' ').Append(Svg.N(top - 4)).Append(" Z\" fill=\"").Append(colour).Append("\"/>");

            // Raised reads leftwards and cleared rightwards, so a short alert's two labels face away from each other.
            var label = $"{alert.Name} {state}";
            var labelWidth = label.Length * 6.6 + 8;
            var toRight = !alert.IsRaised ? x + labelWidth < left + plotW : x - labelWidth < left;
            var (from, to) = toRight ? (x, x + labelWidth) : (x - labelWidth, x);
            var row = Array.FindIndex(rowEnds, end => end + 6 < from);
            if (row >= 0)
            {
                rowEnds[row] = to;
                svg.Text(toRight ? x + 8 : x - 8, top - 18 - row * 14, label, toRight ? "start" : "end", "alert-label", $"fill=\"{colour}\"");
            }

            svg.CloseGroup();
        }

        svg.Close();
    }

    /// <summary>The lane of each incident (in the given order): the first whose last band ended before it starts.</summary>
    internal static List<int> IncidentLanes(IReadOnlyList<ReplayIncident> incidents)
    {
        var laneEnds = new List<long>();
        var lanes = new List<int>(incidents.Count);
        foreach (var incident in incidents)
        {
            var lane = laneEnds.FindIndex(end => end < incident.StartFrame);
            if (lane < 0)
            {
                lane = laneEnds.Count;
                laneEnds.Add(0);
            }

            laneEnds[lane] = incident.EndFrame ?? long.MaxValue;
            lanes.Add(lane);
        }

        return lanes;
    }

    /// <summary>Pairs each raised alert with the next clear of the same name.</summary>
    internal static IEnumerable<(AlertMarker Raised, AlertMarker? Cleared)> AlertSpans(IReadOnlyList<AlertMarker> alerts)
    {
        for (var i = 0; i < alerts.Count; i++)
        {
            if (!alerts[i].IsRaised)
            {
                continue;
            }

            AlertMarker? cleared = null;
            for (var j = i + 1; j < alerts.Count; j++)
            {
                if (alerts[j].Name == alerts[i].Name)
                {
                    cleared = !alerts[j].IsRaised ? alerts[j] : null;
                    break;
                }
            }

            yield return (alerts[i], cleared);
        }
    }

    private static void YAxis(Svg svg, double left, double top, double plotW, double plotH, double[] ticks)
    {
        var max = ticks[^1];
        foreach (var t in ticks)
        {
            var y = top + plotH - t / max * plotH;
            svg.Line(left, y, left + plotW, y, Grid);
            svg.Text(left - 6, y + 4, Svg.TickLabel(t), "end", "tick");
        }

        svg.Line(left, top + plotH, left + plotW, top + plotH, Axis);
    }

    private static void LegendItem(Svg svg, double x, double y, string colour, string label)
    {
        svg.Rect(x, y - 9, 12, 12, colour, "rx=\"2\"");
        svg.Text(x + 17, y + 1, label, "start", "legend");
    }
}
