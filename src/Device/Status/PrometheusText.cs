using System.Globalization;
using System.Text;

namespace Dipper.Device.Status;

/// <summary>
/// Writes metric points in the Prometheus text exposition format (version 0.0.4): <c>dipper.reads.called</c>
/// becomes <c>dipper_reads_called_total</c>, gauges keep their name, tags become labels. Written by hand
/// because the OpenTelemetry Prometheus exporter is still a pre-release.
/// </summary>
public static class PrometheusText
{
    /// <summary>The content type Prometheus expects for this format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Formats the points, grouped by metric.</summary>
    public static string Write(IEnumerable<MetricPoint> points)
    {
        var text = new StringBuilder();
        foreach (var metric in points.GroupBy(p => (p.Name, p.IsCounter)).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var first = metric.First();
            var name = Name(first.Name) + (first.IsCounter ? "_total" : "");
            if (!string.IsNullOrEmpty(first.Description)) text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(first.Description)).Append('\n');
            text.Append("# TYPE ").Append(name).Append(first.IsCounter ? " counter\n" : " gauge\n");
            foreach (var point in metric)
            {
                text.Append(name);
                if (point.Tags.Count > 0)
                {
                    text.Append('{');
                    text.AppendJoin(',', point.Tags.Select(t => $"{Name(t.Key)}=\"{EscapeLabel(t.Value)}\""));
                    text.Append('}');
                }
                text.Append(' ').Append(Number(point.Value)).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>A metric or label name in Prometheus's alphabet: letters, digits and underscores.</summary>
    public static string Name(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_').ToArray();
        return chars.Length > 0 && char.IsAsciiDigit(chars[0]) ? "_" + new string(chars) : new string(chars);
    }

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static string EscapeHelp(string text) => text.Replace("\\", "\\\\").Replace("\n", "\\n");

    private static string EscapeLabel(string text) => text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
