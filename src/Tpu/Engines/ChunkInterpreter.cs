using Dipper.Basecaller.Inference;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Engines;

/// <summary>
/// Runs batches of chunks through one TFLite interpreter under the engines' shape contract: input
/// [batch, samples…] and output [batch, frames…, classes], each float32, int8 or uint8. Quantises the signal
/// and dequantises the log-probabilities (applying the log-softmax first when the model ends at the class
/// scores), pads a short last batch with silence, and splits a call larger than the model's batch into
/// several invokes. Shared by the CPU and Edge TPU engines.
/// </summary>
internal sealed class ChunkInterpreter : IDisposable
{
    private readonly string engine;
    private readonly TfliteInterpreter interpreter;
    private readonly TfliteTensor input;
    private readonly TfliteTensor output;
    private readonly TfLiteType inputType;
    private readonly TfLiteType outputType;
    private readonly TfLiteQuantizationParams inputQuantization;
    private readonly TfLiteQuantizationParams outputQuantization;
    private readonly float[] inputFloats;
    private readonly float[] outputFloats;
    private readonly byte[] inputBytes;
    private readonly byte[] outputBytes;
    private readonly bool outputIsLogits;

    /// <summary>
    /// Takes ownership of <paramref name="interpreter"/>, allocates its tensors and checks the contract. With
    /// <paramref name="outputIsLogits"/> (the manifest's <c>tfliteOutputIsLogits</c>) the output holds class
    /// scores, and each frame gets the log-softmax after dequantisation.
    /// </summary>
    /// <exception cref="InvalidDataException">The model's inputs or outputs do not fit the contract.</exception>
    public ChunkInterpreter(string engine, TfliteInterpreter interpreter, int? maxBatch, bool outputIsLogits = false)
    {
        this.engine = engine;
        this.interpreter = interpreter;
        this.outputIsLogits = outputIsLogits;
        try
        {
            interpreter.AllocateTensors();
            if (interpreter.Inputs.Count != 1 || interpreter.Outputs.Count != 1)
                throw Contract($"has {interpreter.Inputs.Count} inputs and {interpreter.Outputs.Count} outputs; an engine model has one of each");
            input = interpreter.Inputs[0];
            output = interpreter.Outputs[0];
            var inShape = input.Shape;
            var outShape = output.Shape;
            if (inShape.Length < 2 || inShape.Any(d => d <= 0))
                throw Contract($"input {input} must be [batch, samples] with fixed sizes");
            if (outShape.Length < 3 || outShape.Any(d => d <= 0) || outShape[0] != inShape[0])
                throw Contract($"output {output} must be [batch, frames, classes] with the input's batch {inShape[0]}");
            ModelBatch = inShape[0];
            ChunkSamples = Product(inShape.AsSpan(1));
            Classes = outShape[^1];
            FramesPerChunk = Product(outShape.AsSpan(1, outShape.Length - 2));
            MaxBatch = maxBatch ?? ModelBatch;
            if (MaxBatch < 1) throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "an engine takes at least one chunk per call");
            inputType = CheckType(input);
            outputType = CheckType(output);
            inputQuantization = input.Quantization;
            outputQuantization = output.Quantization;
            inputFloats = new float[ModelBatch * ChunkSamples];
            outputFloats = new float[ModelBatch * FramesPerChunk * Classes];
            inputBytes = inputType == TfLiteType.Float32 ? [] : new byte[inputFloats.Length];
            outputBytes = outputType == TfLiteType.Float32 ? [] : new byte[outputFloats.Length];
        }
        catch
        {
            interpreter.Dispose();
            throw;
        }
    }

    public int ModelBatch { get; }
    public int ChunkSamples { get; }
    public int FramesPerChunk { get; }
    public int Classes { get; }
    public int MaxBatch { get; }

    /// <summary>Fills <paramref name="logProbs"/> for <paramref name="chunkCount"/> chunks; on failure its contents are undefined.</summary>
    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkCount, MaxBatch);
        var frameValues = FramesPerChunk * Classes;
        if (chunks.Length < chunkCount * ChunkSamples)
            throw new ArgumentException($"{chunkCount} chunks need {chunkCount * ChunkSamples} samples, got {chunks.Length}", nameof(chunks));
        if (logProbs.Length < chunkCount * frameValues)
            throw new ArgumentException($"{chunkCount} chunks need room for {chunkCount * frameValues} values, got {logProbs.Length}", nameof(logProbs));
        try
        {
            for (var first = 0; first < chunkCount; first += ModelBatch)
            {
                var count = Math.Min(ModelBatch, chunkCount - first);
                chunks.Slice(first * ChunkSamples, count * ChunkSamples).CopyTo(inputFloats);
                inputFloats.AsSpan(count * ChunkSamples).Clear(); // pad a short batch with flat signal
                WriteInput();
                interpreter.Invoke();
                ReadOutput();
                if (outputIsLogits) FrameLogSoftmax.Apply(outputFloats.AsSpan(0, count * frameValues), Classes);
                outputFloats.AsSpan(0, count * frameValues).CopyTo(logProbs.Slice(first * frameValues));
            }
        }
        catch (TfliteException e)
        {
            throw new InferenceException(engine, e.Message, e);
        }
        catch (ObjectDisposedException e)
        {
            throw new InferenceException(engine, "the engine was disposed", e);
        }
    }

    public void Dispose() => interpreter.Dispose();

    private void WriteInput()
    {
        switch (inputType)
        {
            case TfLiteType.Float32:
                input.CopyFrom<float>(inputFloats);
                break;
            case TfLiteType.Int8:
                var signed = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(inputBytes.AsSpan());
                TensorQuantization.Quantize(inputFloats, signed, inputQuantization);
                input.CopyFrom<sbyte>(signed);
                break;
            default:
                TensorQuantization.Quantize(inputFloats, inputBytes, inputQuantization);
                input.CopyFrom<byte>(inputBytes);
                break;
        }
    }

    private void ReadOutput()
    {
        switch (outputType)
        {
            case TfLiteType.Float32:
                output.CopyTo<float>(outputFloats);
                break;
            case TfLiteType.Int8:
                var signed = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(outputBytes.AsSpan());
                output.CopyTo<sbyte>(signed);
                TensorQuantization.Dequantize(signed, outputFloats, outputQuantization);
                break;
            default:
                output.CopyTo<byte>(outputBytes);
                TensorQuantization.Dequantize(outputBytes, outputFloats, outputQuantization);
                break;
        }
    }

    private TfLiteType CheckType(TfliteTensor tensor)
    {
        var type = tensor.Type;
        if (type is not (TfLiteType.Float32 or TfLiteType.Int8 or TfLiteType.UInt8))
            throw Contract($"{tensor} must be float32, int8 or uint8");
        if (type != TfLiteType.Float32 && !(tensor.Quantization.Scale > 0))
            throw Contract($"{tensor} is {type} but has no quantisation scale");
        return type;
    }

    private InvalidDataException Contract(string problem) => new($"{interpreter.Source}: {problem}");

    private static int Product(ReadOnlySpan<int> dims)
    {
        var p = 1;
        foreach (var d in dims) p = checked(p * d);
        return p;
    }
}
