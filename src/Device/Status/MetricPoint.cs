namespace Dipper.Device.Status;

/// <summary>One measured value of one instrument, with its tags, as <see cref="MetricsCollector"/> saw it at a scrape.</summary>
/// <param name="Name">Instrument name (<c>dipper.reads.called</c>).</param>
/// <param name="IsCounter">A monotonic total (Prometheus counter) rather than a level (gauge).</param>
/// <param name="Description">What it measures.</param>
/// <param name="Unit">UCUM unit or annotation (<c>{read}</c>, <c>s</c>).</param>
/// <param name="Tags">Tags, in the order reported.</param>
/// <param name="Value">The value.</param>
public sealed record MetricPoint(string Name, bool IsCounter, string? Description, string? Unit,
    IReadOnlyList<KeyValuePair<string, string>> Tags, double Value);
