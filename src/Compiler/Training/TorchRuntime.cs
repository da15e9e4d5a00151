using Dipper.Basecaller.Native;
using TorchSharp;

namespace Dipper.Compiler.Training;

/// <summary>
/// Starts libtorch for training: OpenMP told to sleep when idle, the thread counts set, and a clear error when
/// libtorch is not there. Call <see cref="Start"/> before any other TorchSharp call.
/// </summary>
public static class TorchRuntime
{
    /// <summary>
    /// Sets OMP_WAIT_POLICY=PASSIVE (unless the user set it) before libtorch loads, then loads libtorch and sets
    /// its thread counts. OpenMP reads the variable once, when libtorch loads: with the default (active) policy,
    /// idle OpenMP threads spin, and on a 2-core host they take the cores from the threads doing the work
    /// (a training step took 10× longer). Safe to call again; the first call's environment setting stays.
    /// </summary>
    /// <param name="threads">Intra-op threads; 0 keeps libtorch's choice (one per core).</param>
    /// <exception cref="TrainingUnavailableException">libtorch is not installed beside dipper or cannot load.</exception>
    public static void Start(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        LibCNative.SetEnvironment("OMP_WAIT_POLICY", "PASSIVE", overwrite: false);
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            throw new TrainingUnavailableException(
                "training needs libtorch (x86-64 Linux), which the dipper package does not carry (476 MB): run dipper " +
                "from a source checkout (dotnet run --project src/Compiler -c Release -- ...), or publish it with " +
                $"-p:DipperPublishLibTorch=true ({e.Message})", e);
        }
        if (threads > 0) torch.set_num_threads(threads);
    }
}
