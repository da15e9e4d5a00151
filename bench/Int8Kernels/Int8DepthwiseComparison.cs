using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Dipper.Bench.Int8Kernels;

/// <summary>
/// An int8 package's depthwise layers on ONNX Runtime's own <c>QLinearConv</c> (the library's int8 path, the baseline)
/// and on Dipper's kernel (<c>ai.dipper.QLinearDepthwiseConv</c>, as the ONNX engine puts it in): each layer alone, as a
/// one-node model of the package's own weights and quantisation, over a batch of channels-last activations; then the
/// whole model through the ONNX engine with the kernel on and off. Both sides 1 thread, the same input, process CPU time;
/// the outputs must be equal byte for byte (log-probability for log-probability for the whole model).
/// </summary>
internal static class Int8DepthwiseComparison
{
    /// <summary>Summed CPU seconds of every eligible layer, on ONNX Runtime and on Dipper's kernel, and whether all outputs agreed.</summary>
    public static (double Onnx, double Dipper, int Layers, long MultiplyAdds, bool Identical) EachLayer(string modelPath, int batch, int frames, int repeats, int times)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name);
        var random = new Random(14);
        double onnxTotal = 0, dipperTotal = 0;
        long macs = 0;
        var layers = 0;
        var identical = true;
        foreach (var node in model.Graph.Node.Where(n => n.OpType == "QLinearConv"))
        {
            var single = OneLayer(model, node, initializers);
            var (rewritten, replaced) = DepthwiseConvolutionRewrite.Apply(single);
            if (replaced == 0) continue;
            var weights = initializers[node.Input[3]];
            var (channels, taps) = ((int)weights.Dims[0], (int)weights.Dims[2]);
            var zero = initializers[node.Input[2]].RawData[0];
            // Activations like the model's: most near the zero point, a tenth anywhere.
            var input = new byte[batch * frames * channels];
            for (var i = 0; i < input.Length; i++)
                input[i] = (byte)Math.Clamp(zero + (random.Next(10) == 0 ? random.Next(-128, 128) : random.Next(-30, 30)), 0, 255);
            using var onnx = new Layer(single, input, [batch, frames, channels]);
            using var dipper = new Layer(rewritten, input, [batch, frames, channels]);
            onnx.Run();
            dipper.Run();
            identical &= onnx.Output.AsSpan().SequenceEqual(dipper.Output);
            // The two sides take turns, so that a slower spell of the shared machine falls on both.
            double onnxBest = double.MaxValue, dipperBest = double.MaxValue;
            for (var r = 0; r < repeats; r++)
            {
                onnxBest = Math.Min(onnxBest, CpuTimer.BestOf(1, times, onnx.Run));
                dipperBest = Math.Min(dipperBest, CpuTimer.BestOf(1, times, dipper.Run));
            }
            onnxTotal += onnxBest;
            dipperTotal += dipperBest;
            macs += (long)batch * frames * channels * taps;
            layers++;
        }
        return (onnxTotal, dipperTotal, layers, macs, identical);
    }

    /// <summary>CPU seconds of one batch of the package's int8 model through the ONNX engine, kernel off and on, and whether the log-probabilities agreed.</summary>
    public static (double Onnx, double Dipper, int Layers, bool Identical) WholeModel(string packageFolder, int batch, int repeats, int times)
    {
        var package = ModelPackage.Load(packageFolder);
        var path = package.OnnxInt8Path ?? throw new ArgumentException($"{packageFolder} has no int8 ONNX model (dipper compile --target cpu writes one)");
        var samples = package.Manifest.Chunk.Samples;
        var random = new Random(15);
        var signal = new float[batch * samples];
        for (var i = 0; i < signal.Length; i++) signal[i] = (float)(random.NextDouble() * 4 - 2);
        using var onnx = new OnnxRuntimeEngine(path, package.Manifest, new InferenceEngineOptions { Threads = 1, Batch = batch, DepthwiseKernel = false });
        using var dipper = new OnnxRuntimeEngine(path, package.Manifest, new InferenceEngineOptions { Threads = 1, Batch = batch });
        var (a, b) = (new float[batch * onnx.FramesPerChunk * onnx.Classes], new float[batch * dipper.FramesPerChunk * dipper.Classes]);
        onnx.Infer(signal, batch, a);
        dipper.Infer(signal, batch, b);
        var identical = a.AsSpan().SequenceEqual(b);
        double onnxSeconds = double.MaxValue, dipperSeconds = double.MaxValue;
        for (var r = 0; r < repeats; r++)
        {
            onnxSeconds = Math.Min(onnxSeconds, CpuTimer.BestOf(1, times, () => onnx.Infer(signal, batch, a)));
            dipperSeconds = Math.Min(dipperSeconds, CpuTimer.BestOf(1, times, () => dipper.Infer(signal, batch, b)));
        }
        return (onnxSeconds, dipperSeconds, dipper.DepthwiseLayersOnDipperKernel, identical);
    }

    /// <summary>The node alone: its input x [batch, frames, channels] uint8, its output y, its constant inputs.</summary>
    private static byte[] OneLayer(ModelProto model, NodeProto node, Dictionary<string, TensorProto> initializers)
    {
        var graph = new GraphProto { Name = node.Name };
        var copy = node.Clone();
        copy.Input[0] = "x";
        copy.Output[0] = "y";
        graph.Node.Add(copy);
        foreach (var name in node.Input.Skip(1).Where(initializers.ContainsKey).Distinct()) graph.Initializer.Add(initializers[name]);
        graph.Input.Add(Value("x"));
        graph.Output.Add(Value("y"));
        var one = new ModelProto { IrVersion = model.IrVersion, ProducerName = "bench", Graph = graph };
        one.OpsetImport.AddRange(model.OpsetImport);
        return one.ToByteArray();
    }

    private static ValueInfoProto Value(string name)
    {
        var type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Uint8 } };
        return new ValueInfoProto { Name = name, Type = type };
    }

    /// <summary>A one-layer session with its input and output bound once.</summary>
    private sealed class Layer : IDisposable
    {
        private readonly DipperOperators _operators = new();
        private readonly SessionOptions _options = new() { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        private readonly InferenceSession _session;
        private readonly OrtValue _input;
        private readonly OrtValue _output;
        private readonly RunOptions _run = new();

        public Layer(byte[] model, byte[] input, long[] shape)
        {
            _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            _operators.AddTo(_options);
            _session = new InferenceSession(model, _options);
            Output = new byte[input.Length];
            _input = OrtValue.CreateTensorValueFromMemory(input, shape);
            _output = OrtValue.CreateTensorValueFromMemory(Output, shape);
        }

        public byte[] Output { get; }

        public void Run() => _session.Run(_run, ["x"], [_input], ["y"], [_output]);

        public void Dispose()
        {
            _input.Dispose();
            _output.Dispose();
            _run.Dispose();
            _session.Dispose();
            _options.Dispose();
            _operators.Dispose();
        }
    }
}
