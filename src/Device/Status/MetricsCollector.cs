using System.Diagnostics.Metrics;

namespace Dipper.Device.Status;

/// <summary>
/// Listens to Dipper's meters (every meter whose name starts with <c>Dipper.</c>: the pipeline's and the
/// service's) and gives their current values on demand, for <c>/metrics</c> and <c>/status</c>. Observable
/// instruments are read at collection; counters that are added to are summed as they come.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<(Instrument Instrument, string Tags), MetricPoint> _values = [];
    private List<MetricPoint>? _collecting;

    /// <summary>Starts listening.</summary>
    public MetricsCollector()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("Dipper.", StringComparison.Ordinal)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.MeasurementsCompleted = (instrument, _) =>
        {
            lock (_gate)
            {
                foreach (var key in _values.Keys.Where(k => k.Instrument == instrument).ToList()) _values.Remove(key);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        _listener.Start();
    }

    /// <summary>Every instrument's current values.</summary>
    public IReadOnlyList<MetricPoint> Collect()
    {
        lock (_gate)
        {
            _collecting = [];
            _listener.RecordObservableInstruments();
            var points = _collecting;
            _collecting = null;
            points.AddRange(_values.Values);
            return points;
        }
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var list = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var tag in tags) list.Add(new(tag.Key, tag.Value?.ToString() ?? ""));
        var isCounter = instrument is ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double>
            or Counter<long> or Counter<int> or Counter<double>;
        lock (_gate)
        {
            if (instrument.IsObservable)
            {
                _collecting?.Add(new MetricPoint(instrument.Name, isCounter, instrument.Description, instrument.Unit, list, value));
                return;
            }
            var key = (instrument, string.Join(",", list.Select(t => $"{t.Key}={t.Value}")));
            var total = isCounter && _values.TryGetValue(key, out var previous) ? previous.Value + value : value;
            _values[key] = new MetricPoint(instrument.Name, isCounter, instrument.Description, instrument.Unit, list, total);
        }
    }
}
