using Dipper.Basecaller.Inference;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Lite;

namespace Dipper.Tpu.Engines;

/// <summary>
/// The base-calling network on one Edge TPU: its own delegate and interpreter. Several TPUs are several
/// engines, used round-robin by <see cref="FailoverEngine"/>, which also moves a batch to another engine when
/// this one's TPU is pulled out.
/// </summary>
/// <remarks>
/// libedgetpu reads the <c>Performance</c> option only when a delegate is created. With a
/// <see cref="EdgeTpuEngineOptions.PerformanceSetting"/>, the engine therefore compares the setting with its
/// delegate's level at the start of every <see cref="Infer"/> and, when they differ, frees the interpreter and
/// the delegate and creates both anew before running the batch. An engine is used by one thread at a time,
/// so a batch already running always finishes on the delegate it started on: the change applies between
/// batches, never inside one.
/// </remarks>
public sealed class EdgeTpuEngine : IInferenceEngine
{
    private readonly TfliteModel model;
    private readonly bool ownsModel;
    private readonly EdgeTpuDevice device;
    private readonly EdgeTpuEngineOptions options;
    private EdgeTpuDelegate? tpu;
    private ChunkInterpreter? runner;
    private string? reopenProblem;

    private EdgeTpuEngine(TfliteModel model, bool ownsModel, EdgeTpuDevice device, EdgeTpuEngineOptions options,
        EdgeTpuPerformance? performance, EdgeTpuDelegate tpu, ChunkInterpreter runner)
    {
        this.model = model;
        this.ownsModel = ownsModel;
        this.device = device;
        this.options = options;
        this.tpu = tpu;
        this.runner = runner;
        Performance = performance;
        ChunkSamples = runner.ChunkSamples;
        FramesPerChunk = runner.FramesPerChunk;
        Classes = runner.Classes;
        MaxBatch = runner.MaxBatch;
    }

    /// <summary>
    /// Opens <paramref name="device"/> and prepares <paramref name="model"/> (compiled for the Edge TPU) on it.
    /// The engine builds its interpreter from <paramref name="model"/> again whenever the performance setting
    /// changes, so keep the model until the engine is disposed (or use <see cref="Open"/>, which owns it).
    /// </summary>
    /// <exception cref="EdgeTpuException">The TPU cannot be opened or the model cannot be prepared on it.</exception>
    /// <exception cref="InvalidDataException">The model does not have the engine's input/output shapes.</exception>
    public static EdgeTpuEngine Create(TfliteModel model, EdgeTpuDevice device, EdgeTpuEngineOptions? options = null) =>
        Create(model, ownsModel: false, device, options ?? new EdgeTpuEngineOptions());

    /// <summary>Loads <paramref name="modelPath"/> (compiled for the Edge TPU) and prepares it on <paramref name="device"/>; the engine owns the model.</summary>
    /// <exception cref="EdgeTpuException">The TPU cannot be opened or the model cannot be prepared on it.</exception>
    /// <exception cref="InvalidDataException">The file is not a TFLite model or does not have the engine's shapes.</exception>
    public static EdgeTpuEngine Open(string modelPath, EdgeTpuDevice device, EdgeTpuEngineOptions? options = null)
    {
        var model = TfliteModel.FromFile(modelPath);
        try
        {
            return Create(model, ownsModel: true, device, options ?? new EdgeTpuEngineOptions());
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static EdgeTpuEngine Create(TfliteModel model, bool ownsModel, EdgeTpuDevice device, EdgeTpuEngineOptions options)
    {
        var performance = options.CurrentPerformance;
        var (tpu, runner) = Prepare(model, device, options, performance);
        return new EdgeTpuEngine(model, ownsModel, device, options, performance, tpu, runner);
    }

    /// <summary>The engine name for a TPU, e.g. "edgetpu:/sys/bus/usb/devices/2-1".</summary>
    public static string NameOf(EdgeTpuDevice device) => $"edgetpu:{device.Path}";

    /// <summary>The TPU this engine runs on.</summary>
    public EdgeTpuDevice Device => device;

    /// <summary>The performance level the current delegate was created with (null: libedgetpu's default).</summary>
    public EdgeTpuPerformance? Performance { get; private set; }

    /// <summary>How many times the delegate was created anew for a changed performance level.</summary>
    public int Reopenings { get; private set; }

    /// <inheritdoc />
    public string Name => NameOf(Device);

    /// <inheritdoc />
    public int ChunkSamples { get; }

    /// <inheritdoc />
    public int FramesPerChunk { get; }

    /// <inheritdoc />
    public int Classes { get; }

    /// <inheritdoc />
    public int MaxBatch { get; }

    /// <inheritdoc />
    /// <exception cref="InferenceException">
    /// The TPU failed (e.g. it was unplugged), or could not be opened again at a new performance level; retry the
    /// batch on another engine.
    /// </exception>
    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs)
    {
        if (options.PerformanceSetting is { } setting && (setting.Level != Performance || runner is null)) Reopen(setting.Level);
        if (runner is null)
            throw new InferenceException(Name, $"Edge TPU {device} could not be opened again at performance {Describe(Performance)}: {reopenProblem}");
        runner.Infer(chunks, chunkCount, logProbs);
    }

    /// <summary>Releases the interpreter, then the delegate (the native handles enforce that order anyway), then an owned model.</summary>
    public void Dispose()
    {
        runner?.Dispose();
        runner = null;
        tpu?.Dispose();
        tpu = null;
        if (ownsModel) model.Dispose();
    }

    private void Reopen(EdgeTpuPerformance? wanted)
    {
        // The old interpreter and delegate go first: libedgetpu opens a TPU once per process and would hand a
        // second delegate the device as already opened, with the old options, while the first one lives.
        runner?.Dispose();
        runner = null;
        tpu?.Dispose();
        tpu = null;
        Performance = wanted;
        try
        {
            (tpu, runner) = Prepare(model, device, options, wanted);
            reopenProblem = null;
            Reopenings++;
        }
        catch (Exception e) when (e is EdgeTpuException or InvalidDataException or ObjectDisposedException or Native.NativeLibraryNotFoundException)
        {
            reopenProblem = e.Message;
        }
    }

    private static (EdgeTpuDelegate Tpu, ChunkInterpreter Runner) Prepare(TfliteModel model, EdgeTpuDevice device,
        EdgeTpuEngineOptions options, EdgeTpuPerformance? performance)
    {
        var tpu = EdgeTpuDelegate.Create(device, options.ToDelegateOptions(performance));
        try
        {
            TfliteInterpreter interpreter;
            try
            {
                interpreter = new TfliteInterpreter(model, new TfliteInterpreterOptions { Threads = options.Threads, Delegates = [tpu] });
            }
            catch (TfliteException e)
            {
                throw new EdgeTpuException(
                    $"Edge TPU {device}: {model.Source} could not be prepared on it: {e.Message}. " +
                    "A libedgetpu built for another TensorFlow than the TFLite C library fails this way; see `dipperd devices`.", device, e);
            }
            try
            {
                return (tpu, new ChunkInterpreter(NameOf(device), interpreter, options.MaxBatch));
            }
            catch (TfliteException e)
            {
                throw new EdgeTpuException($"Edge TPU {device}: {model.Source} could not be prepared on it: {e.Message}", device, e);
            }
        }
        catch
        {
            tpu.Dispose();
            throw;
        }
    }

    private static string Describe(EdgeTpuPerformance? level) => level?.ToString() ?? "default";
}
