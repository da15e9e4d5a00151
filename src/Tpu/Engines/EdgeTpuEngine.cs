using Dipper.Basecaller.Inference;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Lite;

namespace Dipper.Tpu.Engines;

/// <summary>
/// The base-calling network on one Edge TPU, for one thread: its own interpreter, built with the TPU's one
/// delegate that every engine of the process on that TPU shares (<see cref="SharedEdgeTpu"/>). Several TPUs
/// are several engines, used round-robin by <see cref="FailoverEngine"/>, which also moves a batch to another
/// engine when this one's TPU is pulled out.
/// </summary>
/// <remarks>
/// libedgetpu reads the <c>Performance</c> option only when a delegate is created, and opens a TPU once per
/// process. With a <see cref="EdgeTpuEngineOptions.PerformanceSetting"/>, the engine therefore compares the
/// setting with the shared delegate's level at the start of every <see cref="Infer"/> and, when they differ,
/// has the shared TPU close every interpreter and the delegate and create the delegate anew, then builds its
/// interpreter on it. All of this, and every batch, runs under the shared TPU's lock, so a batch already
/// running always finishes on the delegate it started on: the change applies between batches, never inside one.
/// </remarks>
public sealed class EdgeTpuEngine : IInferenceEngine
{
    private readonly TfliteModel model;
    private readonly bool ownsModel;
    private readonly SharedEdgeTpu shared;
    private readonly EdgeTpuEngineOptions options;
    private ChunkInterpreter? runner;
    private int runnerGeneration;
    private string? reopenProblem;
    private bool disposed;

    private EdgeTpuEngine(TfliteModel model, bool ownsModel, SharedEdgeTpu shared, EdgeTpuEngineOptions options)
    {
        this.model = model;
        this.ownsModel = ownsModel;
        this.shared = shared;
        this.options = options;
        ChunkInterpreter first;
        lock (shared.Gate)
        {
            shared.Attach();
            try
            {
                var level = options.CurrentPerformance;
                first = Prepare(level);
                runner = first;
                Performance = level;
            }
            catch
            {
                shared.Detach(null);
                throw;
            }
        }
        ChunkSamples = first.ChunkSamples;
        FramesPerChunk = first.FramesPerChunk;
        Classes = first.Classes;
        MaxBatch = first.MaxBatch;
    }

    /// <summary>
    /// Opens <paramref name="device"/> for this engine alone and prepares <paramref name="model"/> (compiled for the
    /// Edge TPU) on it. The engine builds its interpreter from <paramref name="model"/> again whenever the
    /// performance setting changes, so keep the model until the engine is disposed (or use <see cref="Open(string, EdgeTpuDevice, EdgeTpuEngineOptions?)"/>,
    /// which owns it). Engines of several threads on one TPU must share it: use <see cref="Create(TfliteModel, SharedEdgeTpu, EdgeTpuEngineOptions?)"/>.
    /// </summary>
    /// <exception cref="EdgeTpuException">The TPU cannot be opened or the model cannot be prepared on it.</exception>
    /// <exception cref="InvalidDataException">The model does not have the engine's input/output shapes.</exception>
    public static EdgeTpuEngine Create(TfliteModel model, EdgeTpuDevice device, EdgeTpuEngineOptions? options = null) =>
        Create(model, new SharedEdgeTpu(device), options);

    /// <summary>Prepares <paramref name="model"/> on a TPU whose delegate this engine shares with the process's other engines on it.</summary>
    /// <exception cref="EdgeTpuException">The TPU cannot be opened or the model cannot be prepared on it.</exception>
    /// <exception cref="InvalidDataException">The model does not have the engine's input/output shapes.</exception>
    public static EdgeTpuEngine Create(TfliteModel model, SharedEdgeTpu tpu, EdgeTpuEngineOptions? options = null) =>
        new(model, ownsModel: false, tpu, options ?? new EdgeTpuEngineOptions());

    /// <summary>Loads <paramref name="modelPath"/> (compiled for the Edge TPU) and prepares it on <paramref name="device"/>, opened for this engine alone; the engine owns the model.</summary>
    /// <exception cref="EdgeTpuException">The TPU cannot be opened or the model cannot be prepared on it.</exception>
    /// <exception cref="InvalidDataException">The file is not a TFLite model or does not have the engine's shapes.</exception>
    public static EdgeTpuEngine Open(string modelPath, EdgeTpuDevice device, EdgeTpuEngineOptions? options = null) =>
        Open(modelPath, new SharedEdgeTpu(device), options);

    /// <summary>Loads <paramref name="modelPath"/> (compiled for the Edge TPU) and prepares it on the shared <paramref name="tpu"/>; the engine owns the model.</summary>
    /// <exception cref="EdgeTpuException">The TPU cannot be opened or the model cannot be prepared on it.</exception>
    /// <exception cref="InvalidDataException">The file is not a TFLite model or does not have the engine's shapes.</exception>
    public static EdgeTpuEngine Open(string modelPath, SharedEdgeTpu tpu, EdgeTpuEngineOptions? options = null)
    {
        var model = TfliteModel.FromFile(modelPath);
        try
        {
            return new EdgeTpuEngine(model, ownsModel: true, tpu, options ?? new EdgeTpuEngineOptions());
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The engine name for a TPU, e.g. "edgetpu:/sys/bus/usb/devices/2-1".</summary>
    public static string NameOf(EdgeTpuDevice device) => $"edgetpu:{device.Path}";

    /// <summary>The TPU this engine runs on.</summary>
    public EdgeTpuDevice Device => shared.Device;

    /// <summary>The performance level of the delegate this engine's interpreter was built with (null: libedgetpu's default).</summary>
    public EdgeTpuPerformance? Performance { get; private set; }

    /// <summary>How many times this engine built its interpreter anew for a changed performance level.</summary>
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
        lock (shared.Gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var wanted = options.CurrentPerformance;
            // Another engine may have closed the shared delegate (a new level, a failed batch): rebuild on the open one.
            if (runner is null || runnerGeneration != shared.Generation || wanted != Performance) Reopen(wanted);
            if (runner is null)
                throw new InferenceException(Name, $"Edge TPU {Device} could not be opened again at performance {Describe(Performance)}: {reopenProblem}");
            try
            {
                runner.Infer(chunks, chunkCount, logProbs);
            }
            catch (InferenceException)
            {
                // A TPU that failed a batch (pulled out, reset) needs a new delegate when it is back, for every thread.
                shared.Close();
                runner = null;
                throw;
            }
        }
    }

    /// <summary>Releases this engine's interpreter, then the shared delegate if no other engine uses it, then an owned model.</summary>
    public void Dispose()
    {
        lock (shared.Gate)
        {
            if (disposed) return;
            disposed = true;
            shared.Detach(runner);
            runner = null;
        }
        if (ownsModel) model.Dispose();
    }

    private void Reopen(EdgeTpuPerformance? wanted)
    {
        var changed = wanted != Performance;
        runner = null;
        Performance = wanted;
        try
        {
            runner = Prepare(wanted);
            reopenProblem = null;
            if (changed) Reopenings++;
        }
        catch (Exception e) when (e is EdgeTpuException or InvalidDataException or ObjectDisposedException or Native.NativeLibraryNotFoundException)
        {
            reopenProblem = e.Message;
        }
    }

    /// <summary>Builds this engine's interpreter on the shared delegate at <paramref name="level"/>. Call under the shared gate.</summary>
    private ChunkInterpreter Prepare(EdgeTpuPerformance? level)
    {
        var device = Device;
        var tpu = shared.DelegateAt(level, options.ToDelegateOptions(level));
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
        ChunkInterpreter built;
        try
        {
            built = new ChunkInterpreter(NameOf(device), interpreter, options.MaxBatch, options.OutputIsLogits);
        }
        catch (TfliteException e)
        {
            throw new EdgeTpuException($"Edge TPU {device}: {model.Source} could not be prepared on it: {e.Message}", device, e);
        }
        shared.Register(built);
        runnerGeneration = shared.Generation;
        return built;
    }

    private static string Describe(EdgeTpuPerformance? level) => level?.ToString() ?? "default";
}
