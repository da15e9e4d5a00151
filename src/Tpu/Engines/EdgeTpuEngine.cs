using Dipper.Basecaller.Inference;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Lite;

namespace Dipper.Tpu.Engines;

/// <summary>
/// The base-calling network on one Edge TPU: its own delegate and interpreter. Several TPUs are several
/// engines, used round-robin by <see cref="FailoverEngine"/>, which also moves a batch to another engine when
/// this one's TPU is pulled out.
/// </summary>
public sealed class EdgeTpuEngine : IInferenceEngine
{
    private readonly EdgeTpuDelegate tpu;
    private readonly ChunkInterpreter runner;

    private EdgeTpuEngine(EdgeTpuDelegate tpu, ChunkInterpreter runner)
    {
        this.tpu = tpu;
        this.runner = runner;
    }

    /// <summary>Opens <paramref name="device"/> and prepares <paramref name="model"/> (compiled for the Edge TPU) on it.</summary>
    /// <exception cref="EdgeTpuException">The TPU cannot be opened or the model cannot be prepared on it.</exception>
    /// <exception cref="InvalidDataException">The model does not have the engine's input/output shapes.</exception>
    public static EdgeTpuEngine Create(TfliteModel model, EdgeTpuDevice device, EdgeTpuEngineOptions? options = null)
    {
        options ??= new EdgeTpuEngineOptions();
        var tpu = EdgeTpuDelegate.Create(device, options.ToDelegateOptions());
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
            var name = NameOf(device);
            ChunkInterpreter runner;
            try
            {
                runner = new ChunkInterpreter(name, interpreter, options.MaxBatch);
            }
            catch (TfliteException e)
            {
                throw new EdgeTpuException($"Edge TPU {device}: {model.Source} could not be prepared on it: {e.Message}", device, e);
            }
            return new EdgeTpuEngine(tpu, runner);
        }
        catch
        {
            tpu.Dispose();
            throw;
        }
    }

    /// <summary>The engine name for a TPU, e.g. "edgetpu:/sys/bus/usb/devices/2-1".</summary>
    public static string NameOf(EdgeTpuDevice device) => $"edgetpu:{device.Path}";

    /// <summary>The TPU this engine runs on.</summary>
    public EdgeTpuDevice Device => tpu.Device;

    /// <inheritdoc />
    public string Name => NameOf(Device);

    /// <inheritdoc />
    public int ChunkSamples => runner.ChunkSamples;

    /// <inheritdoc />
    public int FramesPerChunk => runner.FramesPerChunk;

    /// <inheritdoc />
    public int Classes => runner.Classes;

    /// <inheritdoc />
    public int MaxBatch => runner.MaxBatch;

    /// <inheritdoc />
    /// <exception cref="InferenceException">The TPU failed (e.g. it was unplugged); retry the batch on another engine.</exception>
    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs) => runner.Infer(chunks, chunkCount, logProbs);

    /// <summary>Releases the interpreter, then the delegate (the native handles enforce that order anyway).</summary>
    public void Dispose()
    {
        runner.Dispose();
        tpu.Dispose();
    }
}
