using Dipper.Basecaller.Models;
using Dipper.Basecaller.Inference.Int8;
using Microsoft.ML.OnnxRuntime;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// Runs the package's float ONNX model with ONNX Runtime on the CPU: the reference engine every other
/// engine is checked against, and the fallback when no Edge TPU is attached.
/// </summary>
/// <remarks>
/// Input and output tensors are bound once per batch size over buffers allocated when the engine is
/// created, and ONNX Runtime writes its output straight into them, so a batch costs two copies and no
/// allocation. A model with a static batch dimension always runs full batches, zero-padded.
/// </remarks>
public sealed class OnnxRuntimeEngine : IInferenceEngine
{
    private readonly InferenceSession _session;
    private readonly DipperOperators _operators;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly bool _staticBatch;
    private readonly bool _channelAxis;
    private readonly NetworkTensors _tensors;
    // Tensors over _input/_output for each batch size, created on first use.
    private readonly OrtValue?[] _inputTensors;
    private readonly OrtValue?[] _outputTensors;
    private readonly OrtValue[] _runInput = new OrtValue[1];
    private readonly OrtValue[] _runOutput = new OrtValue[1];
    private bool _disposed;

    /// <summary>Loads the package's ONNX model, with the tensors <see cref="ModelPackage.Network"/> says (the whole model, or a pooled model's part after the pooling).</summary>
    /// <exception cref="EngineUnavailableException">The package has no ONNX model.</exception>
    /// <exception cref="InferenceException">ONNX Runtime cannot load the model or its tensors do not match the manifest.</exception>
    public OnnxRuntimeEngine(ModelPackage package, InferenceEngineOptions options)
        : this(package.OnnxPath ?? throw new EngineUnavailableException("onnx", $"model package {package.Directory} has no ONNX model"),
            package.Network, options)
    {
    }

    /// <summary>
    /// Loads the ONNX model at <paramref name="path"/>, run as <paramref name="manifest"/> describes (chunk size, stride,
    /// alphabet, tensor names; its file names are not used). For a model that is not (yet) in a package: the compiler's
    /// verification and the benchmarks run the int8 ONNX model of a package, or a freshly exported one, this way.
    /// </summary>
    /// <exception cref="InferenceException">ONNX Runtime cannot load the model or its tensors do not match the manifest.</exception>
    public OnnxRuntimeEngine(string path, ModelManifest manifest, InferenceEngineOptions options)
        : this(path, NetworkTensors.Whole(manifest ?? throw new ArgumentNullException(nameof(manifest))), options)
    {
    }

    /// <summary>
    /// Loads the ONNX model at <paramref name="path"/> that takes and gives <paramref name="tensors"/>: either part of a
    /// pooled model (<see cref="NetworkTensors.BeforePooling"/>, <see cref="NetworkTensors.AfterPooling"/>).
    /// <see cref="IInferenceEngine.ChunkSamples"/> is then the input values per chunk, <see cref="IInferenceEngine.Classes"/>
    /// the output values per frame.
    /// </summary>
    /// <param name="path">The ONNX model.</param>
    /// <param name="tensors">What it takes and gives per chunk.</param>
    /// <param name="options">Threads and batch.</param>
    /// <param name="name">The engine's name in logs and summaries: "onnx", or <see cref="Int8Name"/> for a package's int8 model.</param>
    /// <exception cref="InferenceException">ONNX Runtime cannot load the model or its tensors are not <paramref name="tensors"/>.</exception>
    public OnnxRuntimeEngine(string path, NetworkTensors tensors, InferenceEngineOptions options, string name = "onnx")
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        _tensors = tensors;
        ChunkSamples = tensors.ChunkValues;
        FramesPerChunk = tensors.OutputFrames;
        Classes = tensors.Classes;
        _inputNames = [tensors.Input];
        _outputNames = [tensors.Output];

        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = Math.Max(1, options.Threads),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // Idle intra-op threads would otherwise spin and take the cores the other workers and the decoder need.
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        // An int8 model of dipper compile writes its swishes as ai.dipper.QLinearTable, and its depthwise layers become
        // ai.dipper.QLinearDepthwiseConv here where Dipper's kernel runs; float models use neither.
        _operators = new DipperOperators();
        _operators.AddTo(sessionOptions);
        try
        {
            // The kernel computes one layer on one thread: with more threads per engine ONNX Runtime's own, which
            // splits a layer across them, is left in place. A model with nothing rewritten loads from its file, as before.
            var (model, rewritten) = options.DepthwiseKernel && options.Threads <= 1 && DepthwiseConvolution.IsSupported
                ? DepthwiseConvolutionRewrite.Apply(File.ReadAllBytes(path))
                : ([], 0);
            DepthwiseLayersOnDipperKernel = rewritten;
            _session = rewritten > 0 ? new InferenceSession(model, sessionOptions) : new InferenceSession(path, sessionOptions);
        }
        catch (Exception e) when (e is OnnxRuntimeException or IOException or UnauthorizedAccessException or Google.Protobuf.InvalidProtocolBufferException)
        {
            _operators.Dispose();
            throw new InferenceException(Name, $"cannot load {path}: {e.Message}", e);
        }

        try
        {
            (_staticBatch, _channelAxis, MaxBatch, TakesShorterChunks) = CheckShapes(path, options.Batch);
        }
        catch
        {
            _session.Dispose();
            _operators.Dispose();
            throw;
        }
        _input = new float[MaxBatch * ChunkSamples];
        _output = new float[MaxBatch * FramesPerChunk * Classes];
        _inputTensors = new OrtValue?[MaxBatch + 1];
        _outputTensors = new OrtValue?[MaxBatch + 1];
        Threads = Math.Max(1, options.Threads);
    }

    /// <summary>
    /// The model's depthwise layers that run on Dipper's int8 kernel (<see cref="DepthwiseConvolutionOperator"/>) instead
    /// of ONNX Runtime's: all of an int8 model's on a CPU with AVX-512 BW and one thread per engine, unless
    /// <see cref="InferenceEngineOptions.DepthwiseKernel"/> is off; 0 for a float model.
    /// </summary>
    public int DepthwiseLayersOnDipperKernel { get; }

    /// <summary>The engine name of a package's int8 ONNX model run on ONNX Runtime (<c>--engine onnx-int8</c>).</summary>
    public const string Int8Name = "onnx-int8";

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Intra-op threads the session uses.</summary>
    public int Threads { get; }

    /// <inheritdoc />
    public int ChunkSamples { get; }

    /// <inheritdoc />
    public int FramesPerChunk { get; }

    /// <inheritdoc />
    public int Classes { get; }

    /// <inheritdoc />
    public int MaxBatch { get; }

    /// <summary>
    /// True when the model's input and output time axes are dynamic and its input is one signal channel, so a read's
    /// last chunk can run at its own length; a model exported for a fixed chunk, or a pooled model's part after the pooling,
    /// is computed at whole chunks only.
    /// </summary>
    public bool TakesShorterChunks { get; }

    /// <inheritdoc />
    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs) => Infer(chunks, chunkCount, ChunkSamples, logProbs);

    /// <inheritdoc />
    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, int chunkSamples, Span<float> logProbs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var whole = chunkSamples == ChunkSamples;
        if (!whole && !TakesShorterChunks) throw new NotSupportedException($"engine {Name}: the model computes chunks of {ChunkSamples} samples only, not {chunkSamples}");
        var stride = ChunkSamples / FramesPerChunk;
        if (!whole && (chunkSamples <= 0 || chunkSamples > ChunkSamples || chunkSamples % stride != 0))
            throw new ArgumentOutOfRangeException(nameof(chunkSamples), chunkSamples, $"a chunk is a whole number of {stride}-sample frames, at most {ChunkSamples} samples");
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkCount, MaxBatch);
        var frames = whole ? FramesPerChunk : chunkSamples / stride;
        var inputLength = chunkCount * chunkSamples;
        var outputLength = chunkCount * frames * Classes;
        if (chunks.Length < inputLength) throw new ArgumentException($"{chunkCount} chunks need {inputLength} samples, got {chunks.Length}", nameof(chunks));
        if (logProbs.Length < outputLength) throw new ArgumentException($"{chunkCount} chunks give {outputLength} values, room for {logProbs.Length}", nameof(logProbs));

        chunks[..inputLength].CopyTo(_input);
        // Whole chunks run on tensors cached per batch size. A read's short last chunk gets tensors made for its call: one
        // call per read, against tens of milliseconds of computing.
        OrtValue? shortInput = null, shortOutput = null;
        if (whole)
        {
            var runSize = _staticBatch ? MaxBatch : chunkCount;
            if (runSize > chunkCount) _input.AsSpan(inputLength, (runSize - chunkCount) * ChunkSamples).Clear();
            _runInput[0] = _inputTensors[runSize] ??= Tensor(_input, InputShape(runSize));
            _runOutput[0] = _outputTensors[runSize] ??= Tensor(_output, [runSize, FramesPerChunk, Classes]);
        }
        else
        {
            _runInput[0] = shortInput = Tensor(_input, _channelAxis ? [chunkCount, 1, chunkSamples] : [chunkCount, chunkSamples]);
            _runOutput[0] = shortOutput = Tensor(_output, [chunkCount, frames, Classes]);
        }
        try
        {
            _session.Run(_runOptions, _inputNames, _runInput, _outputNames, _runOutput);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InferenceException(Name, $"batch of {chunkCount} chunks{(whole ? "" : $" of {chunkSamples} samples")} failed: {e.Message}", e);
        }
        finally
        {
            shortInput?.Dispose();
            shortOutput?.Dispose();
        }
        _output.AsSpan(0, outputLength).CopyTo(logProbs);
    }

    /// <summary>The input tensor's shape for <paramref name="runSize"/> chunks.</summary>
    private long[] InputShape(int runSize) =>
        _tensors.InputChannels > 1 ? [runSize, _tensors.InputLength, _tensors.InputChannels]
        : _channelAxis ? [runSize, 1, ChunkSamples] : [runSize, ChunkSamples];

    private static OrtValue Tensor(float[] buffer, long[] shape)
    {
        var length = 1L;
        foreach (var d in shape) length *= d;
        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, (int)length), shape);
    }

    /// <summary>
    /// Checks the model's tensors against the manifest; returns whether the batch is static, whether the input has a channel
    /// axis, the batch size, and whether chunks may be shorter (dynamic time axes, one input channel, a stride that divides the chunk).
    /// </summary>
    private (bool Static, bool ChannelAxis, int Batch, bool ShorterChunks) CheckShapes(string path, int requestedBatch)
    {
        if (!_session.InputMetadata.TryGetValue(_inputNames[0], out var input))
            throw new InferenceException(Name, $"{path} has no input '{_inputNames[0]}' (inputs: {string.Join(", ", _session.InputMetadata.Keys)})");
        if (!_session.OutputMetadata.TryGetValue(_outputNames[0], out var output))
            throw new InferenceException(Name, $"{path} has no output '{_outputNames[0]}' (outputs: {string.Join(", ", _session.OutputMetadata.Keys)})");
        var inDims = input.Dimensions;
        var outDims = output.Dimensions;
        var channelAxis = inDims.Length == 3;
        bool Fits(int dim, int expected) => dim <= 0 || dim == expected;
        var (length, channels) = (_tensors.InputLength, _tensors.InputChannels);
        var inputOk = channels > 1
            ? inDims.Length == 3 && Fits(inDims[1], length) && Fits(inDims[2], channels)
            : (inDims.Length == 3 && Fits(inDims[1], 1) && Fits(inDims[2], length)) || (inDims.Length == 2 && Fits(inDims[1], length));
        var outputOk = outDims.Length == 3 && Fits(outDims[1], FramesPerChunk) && Fits(outDims[2], Classes);
        if (!inputOk || !outputOk)
            throw new InferenceException(Name,
                $"{path}: tensors [{string.Join(", ", inDims)}] → [{string.Join(", ", outDims)}] do not match the manifest's " +
                $"[batch, {(channels > 1 ? $"{length}, {channels}" : $"1, {length}")}] → [batch, {FramesPerChunk}, {Classes}]");
        var shorter = channels == 1 && inDims[0] <= 0 && inDims[^1] <= 0 && outDims[1] <= 0 && ChunkSamples % FramesPerChunk == 0;
        return inDims[0] > 0 ? (true, channelAxis, inDims[0], false) : (false, channelAxis, Math.Max(1, requestedBatch), shorter);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var tensor in _inputTensors.Concat(_outputTensors)) tensor?.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        _operators.Dispose();
    }
}
