using Microsoft.Extensions.Time.Testing;

namespace Dipper.Device.Tests.Gpio;

internal static class FakeTimeSteps
{
    /// <summary>
    /// Advances fake time one millisecond at a time. FakeTimeProvider.Advance jumps straight to the
    /// end, so a timer created inside another timer's callback would be scheduled from the end of
    /// the jump; stepping keeps chained timers (blink steps, debounce then long press) exact.
    /// </summary>
    public static void Step(this FakeTimeProvider time, TimeSpan total)
    {
        for (var done = TimeSpan.Zero; done < total; done += TimeSpan.FromMilliseconds(1))
            time.Advance(TimeSpan.FromMilliseconds(1));
    }
}
