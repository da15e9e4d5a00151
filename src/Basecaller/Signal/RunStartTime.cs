using System.Globalization;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// The clock time a run (acquisition) began, as MinKNOW records it in <c>exp_start_time</c> (FAST5 tracking_id,
/// SLOW5/BLOW5 headers, POD5 tracking_id): an ISO 8601 text ("2019-05-13T11:11:43Z",
/// "2023-03-27T05:54:59.593666+01:00") in current files, Unix seconds as text ("1481657610") in 2016 ones.
/// Reads count their start from it in samples; Dorado's <c>st</c> tag adds the two.
/// </summary>
public static class RunStartTime
{
    /// <summary>
    /// The time <paramref name="text"/> names, in UTC; null when it is absent or names no time. A run start is a
    /// descriptive field: one that cannot be read leaves the time unknown rather than the read refused.
    /// </summary>
    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return seconds > 0 && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds() ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
        // A time without an offset is taken as UTC, which is what MinKNOW writes when it leaves the offset out.
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? Known(time.ToUniversalTime())
            : null;
    }

    /// <summary>
    /// A run start as POD5 stores it (a timestamp column), or null for the Unix epoch, which POD5 writers
    /// leave in the column when MinKNOW did not say.
    /// </summary>
    public static DateTimeOffset? Known(DateTimeOffset? time) =>
        time is { } t && t.ToUnixTimeMilliseconds() > 0 ? t.ToUniversalTime() : null;

    /// <summary>
    /// The clock time of a read's first sample: the run start (cut to whole milliseconds) plus the start sample
    /// over the sample rate, cut to whole milliseconds, as Dorado counts it. Null when the run start or the rate is unknown.
    /// </summary>
    public static DateTimeOffset? OfSample(DateTimeOffset? runStart, ulong startSample, double sampleRate)
    {
        if (runStart is not { } start || !(sampleRate > 0)) return null;
        var offsetMs = Math.Floor(startSample * 1000.0 / sampleRate);
        return DateTimeOffset.FromUnixTimeMilliseconds(start.ToUnixTimeMilliseconds()).AddMilliseconds(offsetMs);
    }
}
