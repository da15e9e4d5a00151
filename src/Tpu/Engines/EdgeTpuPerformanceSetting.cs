using Dipper.Tpu.EdgeTpu;

namespace Dipper.Tpu.Engines;

/// <summary>
/// The Edge TPU clock every engine of a service should run at, shared between whoever decides it (the
/// appliance's thermal governor) and the engines that act on it. libedgetpu reads <c>Performance</c> only
/// when a delegate is created, so changing this does not touch a TPU at once: each
/// <see cref="EdgeTpuEngine"/> looks at it before its next batch and, if it differs from the level of the
/// TPU's shared delegate (<see cref="SharedEdgeTpu"/>), has that delegate created anew and builds its
/// interpreter on it. Engines opened later (a TPU plugged back in) start at the current level.
/// </summary>
public sealed class EdgeTpuPerformanceSetting
{
    private const int Default = -1;
    private int level;

    /// <summary>Starts at <paramref name="initial"/>; null leaves libedgetpu's default.</summary>
    public EdgeTpuPerformanceSetting(EdgeTpuPerformance? initial = null)
    {
        level = initial is { } l ? (int)l : Default;
    }

    /// <summary>
    /// The level wanted now; null for libedgetpu's default. May be set from any thread; engines pick it up
    /// between batches, never during one.
    /// </summary>
    public EdgeTpuPerformance? Level
    {
        get => Volatile.Read(ref level) is var l and not Default ? (EdgeTpuPerformance)l : null;
        set
        {
            if (value is { } v && !Enum.IsDefined(v)) throw new ArgumentOutOfRangeException(nameof(value), v, "unknown Edge TPU performance level");
            Volatile.Write(ref level, value is { } l ? (int)l : Default);
        }
    }
}
