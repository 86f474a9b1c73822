using System.Globalization;
using System.Net;
using System.Text;

namespace EdgeInspect.Worker.Replay;

/// <summary>Just enough SVG writing for the report's charts; every text and attribute value goes through <see cref="Esc"/>.</summary>
internal sealed class Svg(StringBuilder sb)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public StringBuilder Raw => sb;

    public static string Esc(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    /// <summary>Coordinates to two decimals: exact enough for a screen, and keeps the file small.</summary>
    public static string N(double v) => double.IsFinite(v) ? v.ToString("0.##", Inv) : "0";

    public void Open(string testId, double width, double height, string label)
    {
        sb.Append(Inv, $"<svg data-testid=\"{Esc(testId)}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(width)}\" height=\"{N(height)}\" viewBox=\"0 0 {N(width)} {N(height)}\" role=\"img\" aria-label=\"{Esc(label)}\">");
        sb.Append(Inv, $"<title>{Esc(label)}</title>");
    }

    public void Close() => sb.Append("</svg>");

    public void Rect(double x, double y, double w, double h, string fill, string? extra = null, string? title = null)
    {
        sb.Append(Inv, $"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(Math.Max(0, w))}\" height=\"{N(Math.Max(0, h))}\" fill=\"{fill}\"{Extra(extra)}");
        if (title is null)
        {
            sb.Append("/>");
        }
        else
        {
            sb.Append(Inv, $"><title>{Esc(title)}</title></rect>");
        }
    }

    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? extra = null) =>
        sb.Append(Inv, $"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{stroke}\" stroke-width=\"{N(width)}\"{Extra(extra)}/>");

    public void Text(double x, double y, string text, string anchor = "start", string cls = "t", string? extra = null) =>
        sb.Append(Inv, $"<text x=\"{N(x)}\" y=\"{N(y)}\" text-anchor=\"{anchor}\" class=\"{cls}\"{Extra(extra)}>{Esc(text)}</text>");

    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 1.5)
    {
        sb.Append("<polyline fill=\"none\" stroke=\"").Append(stroke).Append("\" stroke-width=\"").Append(N(width)).Append("\" stroke-linejoin=\"round\" points=\"");
        foreach (var (x, y) in points)
        {
            sb.Append(N(x)).Append(',').Append(N(y)).Append(' ');
        }

        sb.Append("\"/>");
    }

    public void OpenGroup(string attributes) => sb.Append("<g ").Append(attributes).Append('>');

    public void CloseGroup() => sb.Append("</g>");

    private static string Extra(string? extra) => extra is null ? string.Empty : " " + extra;

    /// <summary>Round tick values (1, 2 or 5 times a power of ten) covering [min, max].</summary>
    public static double[] Ticks(double min, double max, int target = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max))
        {
            return [0, 1];
        }

        if (max - min < 1e-12)
        {
            var pad = Math.Abs(max) > 1e-12 ? Math.Abs(max) * 0.1 : 1;
            min -= pad;
            max += pad;
        }

        var raw = (max - min) / target;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var norm = raw / magnitude;
        var step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
        var start = Math.Floor(min / step + 1e-9) * step;
        var end = Math.Ceiling(max / step - 1e-9) * step;
        var ticks = new List<double>();
        for (var v = start; v <= end + step / 2; v += step)
        {
            ticks.Add(Math.Round(v / step) * step);
        }

        return [.. ticks];
    }

    public static string TickLabel(double v) =>
        Math.Abs(v) >= 10000 ? (v / 1000).ToString("0.#", Inv) + "k" : v.ToString("0.###", Inv);
}
