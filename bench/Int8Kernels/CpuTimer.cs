using System.Diagnostics;

namespace Dipper.Bench.Int8Kernels;

/// <summary>
/// The machine is shared (other helpers' builds, a training run), so a figure is the process's CPU time (user +
/// system) of enough passes to be well above the clock's tick (a quarter second or more), the best of N: the timing least
/// disturbed by others, on one thread.
/// </summary>
internal static class CpuTimer
{
    /// <summary>CPU seconds of one call of <paramref name="pass"/>: the best of <paramref name="repeats"/> timings of <paramref name="times"/> calls each.</summary>
    public static double BestOf(int repeats, int times, Action pass)
    {
        pass(); // warm: first-call allocations, page faults
        var best = double.MaxValue;
        for (var r = 0; r < repeats; r++)
        {
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            for (var t = 0; t < times; t++) pass();
            best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds / times);
        }
        return best;
    }
}
