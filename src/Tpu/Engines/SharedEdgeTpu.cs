using Dipper.Tpu.EdgeTpu;

namespace Dipper.Tpu.Engines;

/// <summary>
/// One Edge TPU as every engine of the process uses it: one delegate at a time, the interpreters the engines
/// built with it, and the lock that lets one batch at a time run on the TPU.
/// </summary>
/// <remarks>
/// libedgetpu opens a TPU once per process: a second <c>edgetpu_create_delegate</c> for a TPU that is already
/// open is handed the open device with the first delegate's options, its own ignored. With one delegate per
/// thread, a thermal step (a new <c>Performance</c>) would then never reach the TPU while any other thread
/// still held a delegate. So the threads' engines share this one delegate, each with its own interpreter
/// built on it. TFLite allows several interpreters on one delegate but does not promise that invoking them
/// concurrently is safe, and a TPU runs one program at a time anyway: every batch on this TPU runs under
/// <see cref="Gate"/>. A new level closes every interpreter and the delegate before the new delegate is
/// created (with no batch in flight, since that also happens under the gate); each engine builds its
/// interpreter again at its next batch. The delegate is freed when the last engine lets go of the TPU.
/// </remarks>
public sealed class SharedEdgeTpu
{
    private readonly List<ChunkInterpreter> interpreters = [];
    private EdgeTpuDelegate? tpu;
    private int engines;
    private EdgeTpuPerformance? performance;
    private int delegatesCreated;

    /// <summary>A TPU nobody has opened yet; engines open it when they attach.</summary>
    public SharedEdgeTpu(EdgeTpuDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
    }

    /// <summary>The TPU.</summary>
    public EdgeTpuDevice Device { get; }

    /// <summary>Held by whoever runs a batch on the TPU or changes its delegate.</summary>
    internal Lock Gate { get; } = new();

    /// <summary>Counts delegate (re)creations and closes: an interpreter built at another generation was closed with its delegate.</summary>
    internal int Generation { get; private set; }

    /// <summary>The performance level the open delegate was created with; meaningless when none is open.</summary>
    public EdgeTpuPerformance? Performance
    {
        get
        {
            lock (Gate) return tpu is null ? null : performance;
        }
    }

    /// <summary>Whether a delegate is open now.</summary>
    public bool IsOpen
    {
        get
        {
            lock (Gate) return tpu is not null;
        }
    }

    /// <summary>How many delegates this process created for the TPU (one per performance level used, plus reopenings after a failure).</summary>
    public int DelegatesCreated
    {
        get
        {
            lock (Gate) return delegatesCreated;
        }
    }

    /// <summary>An engine starts using the TPU. Call under <see cref="Gate"/>.</summary>
    internal void Attach() => engines++;

    /// <summary>
    /// An engine stops using the TPU: its interpreter (if still open) is closed, and the delegate with the
    /// last engine. Call under <see cref="Gate"/>.
    /// </summary>
    internal void Detach(ChunkInterpreter? interpreter)
    {
        if (interpreter is not null && interpreters.Remove(interpreter)) interpreter.Dispose();
        if (--engines <= 0)
        {
            engines = 0;
            Close();
        }
    }

    /// <summary>
    /// The delegate at <paramref name="level"/>: the open one when it has that level, else a new one, created
    /// after every interpreter and the old delegate were closed (libedgetpu would otherwise hand the new
    /// delegate the old options). Call under <see cref="Gate"/>.
    /// </summary>
    /// <exception cref="EdgeTpuException">libedgetpu could not open the TPU (nothing is left open then).</exception>
    internal EdgeTpuDelegate DelegateAt(EdgeTpuPerformance? level, EdgeTpuDelegateOptions options)
    {
        if (tpu is not null && performance == level) return tpu;
        Close();
        tpu = EdgeTpuDelegate.Create(Device, options);
        performance = level;
        delegatesCreated++;
        return tpu;
    }

    /// <summary>An interpreter built with the open delegate, closed with it. Call under <see cref="Gate"/>.</summary>
    internal void Register(ChunkInterpreter interpreter) => interpreters.Add(interpreter);

    /// <summary>
    /// Closes every interpreter, then the delegate: for a new level, or after a failed batch (a TPU pulled out
    /// and plugged back in needs a new delegate). Engines build theirs again at their next batch. Call under
    /// <see cref="Gate"/>.
    /// </summary>
    internal void Close()
    {
        foreach (var interpreter in interpreters) interpreter.Dispose();
        interpreters.Clear();
        tpu?.Dispose();
        tpu = null;
        Generation++;
    }
}
