using Dipper.Basecaller.Inference;
using Dipper.Compiler.Export;
using Onnx;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Export;

public class OnnxQdqExporterTests(ITestOutputHelper log)
{
    [Fact]
    public void Qdq_model_in_onnx_runtime_agrees_with_the_int8_tflite_model()
    {
        var qdq = OnnxQdqExporter.Export(Sbonito.Float, Sbonito.Int8);
        var (onnx, shape) = TestData.RunOnnx(qdq, TestData.ReferenceWindows(), Sbonito.Batch, TestData.WindowSamples);
        var runtime = TfliteRunner.Run<sbyte, sbyte>(TfliteExporter.Export(Sbonito.Int8), Sbonito.Int8Windows());
        var output = Sbonito.Int8.OutputTensor.Quantisation!.Parameters;
        var tflite = runtime.Output.Select(q => output.Dequantise(q)).ToArray();

        Assert.Equal([Sbonito.Batch, TestData.WindowFrames, TestData.Classes], shape);
        // Both on TFLite's grid of 1/16. ONNX Runtime fuses the QDQ pattern into its own integer kernels,
        // which requantise in float and round ties to even, so through 60 layers the two int8 models
        // differ by about as much as either differs from the float model: a few steps, most frames agreeing.
        var steps = onnx.Zip(tflite, (a, b) => Math.Abs(a - b) / output.Scale).ToArray();
        var frames = onnx.Length / 5;
        var agreeing = Enumerable.Range(0, frames).Count(f => ArgMax(onnx.AsSpan(f * 5, 5)) == ArgMax(tflite.AsSpan(f * 5, 5)));
        log.WriteLine($"QDQ ONNX vs int8 TFLite: {steps.Count(s => s < 0.5)}/{steps.Length} equal, mean {steps.Average():F3} steps; {agreeing}/{frames} frames agree");
        Assert.True(steps.Average() < 6, $"mean difference {steps.Average()} steps");
        Assert.True(agreeing >= frames * 0.93, $"{agreeing}/{frames} frames agree");
    }

    /// <summary>
    /// The ONNX engine puts Dipper's depthwise kernel in place of every depthwise layer of the int8 model where the CPU has
    /// AVX-512 BW (none elsewhere), and the model's log-probabilities on the reference reads' windows are ONNX Runtime's
    /// own, bit for bit, either way.
    /// </summary>
    [Fact]
    public void The_onnx_engine_runs_the_int8_models_depthwise_layers_on_dippers_kernel_with_onnx_runtimes_outputs_bit_for_bit()
    {
        var folder = Directory.CreateTempSubdirectory("dipper-qdq-").FullName;
        try
        {
            var path = Path.Combine(folder, "model_int8.onnx");
            File.WriteAllBytes(path, OnnxQdqExporter.Export(Sbonito.Float, Sbonito.Int8));
            var manifest = Dipper.Basecaller.Models.ModelPackage.Load(TestData.PackageFolder).Manifest;
            var windows = TestData.ReferenceWindows();
            float[] Run(bool kernel, out int layers)
            {
                using var engine = new OnnxRuntimeEngine(path, manifest, new InferenceEngineOptions { Threads = 1, Batch = Sbonito.Batch, DepthwiseKernel = kernel });
                var output = new float[Sbonito.Batch * engine.FramesPerChunk * engine.Classes];
                engine.Infer(windows, Sbonito.Batch, output);
                layers = engine.DepthwiseLayersOnDipperKernel;
                return output;
            }

            var theirs = Run(kernel: false, out var none);
            var ours = Run(kernel: true, out var layers);

            var depthwise = Sbonito.Float.Nodes.Count(n => n.Operation is Dipper.Compiler.Graph.Operations.Conv1d { Groups: > 1 } c && c.Groups == c.InChannels);
            log.WriteLine($"{layers} of {depthwise} depthwise layers on Dipper's kernel (AVX-512 BW: {Dipper.Basecaller.Inference.Int8.DepthwiseConvolution.IsSupported})");
            Assert.Equal(0, none);
            Assert.Equal(Dipper.Basecaller.Inference.Int8.DepthwiseConvolution.IsSupported ? depthwise : 0, layers);
            Assert.True(depthwise >= 26, $"{depthwise} depthwise layers");
            Assert.Equal(theirs, ours);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Weights_are_int8_with_per_channel_scales_and_biases_int32()
    {
        var model = OnnxQdqExporter.ToModel(Sbonito.Float, Sbonito.Int8);

        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name);
        var stem = initializers["e.encoder.0.conv.0.conv.weight.int8"];
        Assert.Equal((int)TensorProto.Types.DataType.Int8, stem.DataType);
        Assert.Equal([80L, 1, 9], stem.Dims);
        Assert.Equal([80L], initializers["e.encoder.0.conv.0.conv.weight.scale"].Dims);
        Assert.Equal((int)TensorProto.Types.DataType.Int32, initializers["e.encoder.0.conv.0.conv.bias.int32"].DataType);
        Assert.DoesNotContain(model.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float && t.Dims.Count > 0 && t.Dims.Aggregate(1L, (a, d) => a * d) > 80);
        Assert.Equal(["signal"], model.Graph.Input.Select(i => i.Name));
        Assert.Equal(["logprobs"], model.Graph.Output.Select(o => o.Name));
    }

    [Fact]
    public void Onnx_runtime_fuses_every_convolution_and_add_of_the_qdq_model_into_its_integer_kernels_and_each_swish_is_one_table()
    {
        var model = OnnxQdqExporter.ToModel(Sbonito.Float, Sbonito.Int8);
        var folder = Directory.CreateTempSubdirectory("dipper-qdq-").FullName;
        try
        {
            var (path, optimised) = (Path.Combine(folder, "model_int8.onnx"), Path.Combine(folder, "optimised.onnx"));
            File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
            using (var tableLookup = new DipperOperators())
            using (var options = new Microsoft.ML.OnnxRuntime.SessionOptions
            {
                GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
                OptimizedModelFilePath = optimised,
            })
            {
                tableLookup.AddTo(options);
                using (new Microsoft.ML.OnnxRuntime.InferenceSession(path, options)) { }
            }

            // Activations are uint8 (the int8 model's integers shifted by 128): nothing for ONNX Runtime to convert.
            Assert.All(model.Graph.Node.Where(n => n.OpType == "QuantizeLinear"),
                q => Assert.Equal((int)TensorProto.Types.DataType.Uint8, model.Graph.Initializer.Single(t => t.Name == q.Input[2]).DataType));
            var kinds = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimised)).Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
            log.WriteLine(string.Join(", ", kinds.Select(k => $"{k.Key} {k.Value}")));
            var convolutions = Sbonito.Float.Nodes.Count(n => n.Operation is Dipper.Compiler.Graph.Operations.Conv1d);
            Assert.Equal(convolutions, kinds.GetValueOrDefault("QLinearConv"));
            // Every swish (σ and the product) is one lookup over the uint8 input; nothing of it is left to ONNX Runtime.
            Assert.Equal(Sbonito.Float.Nodes.Count(n => n.Operation is Dipper.Compiler.Graph.Operations.Logistic), kinds.GetValueOrDefault(TableLookupOperator.Name));
            Assert.Contains(model.OpsetImport, o => o.Domain == DipperOperators.Domain && o.Version == DipperOperators.DomainVersion);
            // No node computes what nobody reads (ONNX Runtime would run it): the swish inputs' DequantizeLinear is left out.
            var read = model.Graph.Node.SelectMany(n => n.Input).Concat(model.Graph.Output.Select(o => o.Name)).ToHashSet();
            Assert.All(model.Graph.Node, n => Assert.Contains(n.Output[0], read));
            Assert.DoesNotContain("QLinearSigmoid", kinds.Keys);
            Assert.DoesNotContain("QLinearMul", kinds.Keys);
            // Nothing left to run in float between a DequantizeLinear and a QuantizeLinear but the output's log-softmax.
            Assert.DoesNotContain("Conv", kinds.Keys);
            Assert.DoesNotContain("Sigmoid", kinds.Keys);
            Assert.DoesNotContain("Mul", kinds.Keys);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Each_swish_table_holds_x_times_sigmoid_x_rounded_once_to_the_output_grid()
    {
        var model = OnnxQdqExporter.ToModel(Sbonito.Float, Sbonito.Int8);
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name);
        float Float(string name) => BitConverter.ToSingle(initializers[name].RawData.Span);
        int Zero(string name) => initializers[name].RawData[0];
        // A uint8 tensor "{value}.q" or "{value}.q.nlc" carries the value's scale and zero point.
        string Value(string tensor) => tensor[..tensor.IndexOf(".q", StringComparison.Ordinal)];

        var tables = model.Graph.Node.Where(n => n.OpType == TableLookupOperator.Name).ToList();
        Assert.Equal(Sbonito.Float.Nodes.Count(n => n.Operation is Dipper.Compiler.Graph.Operations.Logistic), tables.Count);
        foreach (var node in tables)
        {
            var (x, y) = (Value(node.Input[0]), Value(node.Output[0]));
            var (sx, zx, sy, zy) = (Float($"{x}.scale"), Zero($"{x}.zero_point"), Float($"{y}.scale"), Zero($"{y}.zero_point"));
            var table = initializers[node.Input[1]].RawData.Span;
            for (var u = 0; u < 256; u++)
            {
                var real = sx * (u - zx);
                var swish = real / (1 + Math.Exp(-real));
                var nearest = Math.Clamp(swish / sy + zy, 0, 255);
                Assert.True(Math.Abs(table[u] - nearest) <= 0.5 + 1e-3, $"{node.Name}: entry {u} is {table[u]}, x·σ(x) is {nearest:F3} steps");
            }
        }
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }
}
