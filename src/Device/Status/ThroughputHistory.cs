using Dipper.Basecaller.Pipeline;
using Dipper.Device.Service;

namespace Dipper.Device.Status;

/// <summary>
/// Samples and reads called per second over the last minutes, sampled at a fixed period, for the status
/// page's chart and the samples/s gauge. Survives pipeline restarts (a new pipeline's counters start at 0).
/// </summary>
public sealed class ThroughputHistory(ServiceActivity state, int capacity = 300)
{
    private readonly Queue<ThroughputPoint> _points = new();
    private readonly Lock _gate = new();
    private PipelineCounters? _counters;
    private long _samples, _reads;
    private DateTimeOffset _last;

    /// <summary>How often the service samples (the chart spans capacity × this).</summary>
    public static TimeSpan Period { get; } = TimeSpan.FromSeconds(2);

    /// <summary>The most recent rate, or zero.</summary>
    public ThroughputPoint Latest
    {
        get
        {
            lock (_gate) return _points.Count > 0 ? _points.Last() : new ThroughputPoint(DateTimeOffset.UtcNow, 0, 0);
        }
    }

    /// <summary>Every point kept, oldest first.</summary>
    public IReadOnlyList<ThroughputPoint> Points()
    {
        lock (_gate) return [.. _points];
    }

    /// <summary>Adds a point with the rates since the previous sample.</summary>
    public void Sample(DateTimeOffset now)
    {
        var counters = state.Counters;
        var samples = counters?.SamplesCalled ?? 0;
        var reads = counters?.ReadsCalled ?? 0;
        lock (_gate)
        {
            if (!ReferenceEquals(counters, _counters))
            {
                _counters = counters;
                _samples = 0;
                _reads = 0;
            }
            if (_last != default)
            {
                var seconds = Math.Max((now - _last).TotalSeconds, 1e-3);
                _points.Enqueue(new ThroughputPoint(now, (samples - _samples) / seconds, (reads - _reads) / seconds));
                while (_points.Count > capacity) _points.Dequeue();
            }
            _samples = samples;
            _reads = reads;
            _last = now;
        }
    }
}

/// <summary>Throughput over one sampling period.</summary>
/// <param name="At">End of the period.</param>
/// <param name="SamplesPerSecond">Raw samples called per second (a MinION produces up to about 2 M/s at 4 kHz).</param>
/// <param name="ReadsPerSecond">Reads written per second.</param>
public sealed record ThroughputPoint(DateTimeOffset At, double SamplesPerSecond, double ReadsPerSecond);
