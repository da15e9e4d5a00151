using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Inference.Int8;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Dipper.Basecaller.Tests.Inference;

/// <summary>
/// Dipper's int8 depthwise kernel against ONNX Runtime's own <c>com.microsoft.QLinearConv</c>, both in the real ONNX
/// Runtime: a one-layer model run as it is, then with the layer rewritten to <c>ai.dipper.QLinearDepthwiseConv</c>.
/// </summary>
public class DepthwiseConvolutionTests
{
    /// <summary>
    /// Tap counts through both of the kernel's paths (11 in registers, others read from the cache); frame counts below,
    /// at and across its 64-frame blocks; scales that make every other sum a tie (0.5) or random; biases that saturate.
    /// </summary>
    [Avx512BwTheory]
    [InlineData(80, 11, 600, 2, "random", 1)]
    [InlineData(80, 11, 1, 3, "random", 2)]
    [InlineData(80, 11, 64, 1, "ties", 3)]
    [InlineData(80, 11, 65, 2, "ties", 4)]
    [InlineData(32, 9, 130, 2, "random", 5)]
    [InlineData(16, 3, 7, 1, "ties", 6)]
    [InlineData(48, 1, 70, 1, "saturating", 7)]
    [InlineData(80, 15, 200, 1, "saturating", 8)]
    public void Dippers_depthwise_kernel_gives_onnx_runtimes_qlinearconv_bit_for_bit(int channels, int taps, int frames, int batch, string scales, int seed)
    {
        var layer = Layer.Random(channels, taps, scales, seed);
        var input = new byte[batch * frames * channels];
        new Random(seed + 100).NextBytes(input);
        var model = layer.Model();

        var (rewritten, replaced) = DepthwiseConvolutionRewrite.Apply(model);
        var expected = OperatorSessions.Run(model, input, [batch, frames, channels]);
        var actual = OperatorSessions.Run(rewritten, input, [batch, frames, channels]);

        Assert.Equal(1, replaced);
        Assert.Contains(DepthwiseConvolutionOperator.Name, ModelProto.Parser.ParseFrom(rewritten).Graph.Node.Select(n => n.OpType));
        Assert.Contains(expected, v => v != expected[0]); // outputs that vary, not one saturated value
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("stride 2")]
    [InlineData("dilation 2")]
    [InlineData("40 channels")]
    [InlineData("channels first")]
    [InlineData("weight zero point 1")]
    [InlineData("padding 4")]
    [InlineData("not depthwise")]
    public void The_rewrite_leaves_every_layer_the_kernel_would_not_compute_as_onnx_runtime_does(string change)
    {
        var layer = Layer.Random(change == "40 channels" ? 40 : 80, 11, "random", 9) with { Change = change };
        var model = layer.Model();

        var (rewritten, replaced) = DepthwiseConvolutionRewrite.Apply(model);

        Assert.Equal(0, replaced);
        Assert.Same(model, rewritten);
    }

    [Fact]
    public void A_float_model_is_left_as_it_is()
    {
        var model = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "models", "sbonito", "model.onnx"));

        var (rewritten, replaced) = DepthwiseConvolutionRewrite.Apply(model);

        Assert.Equal(0, replaced);
        Assert.Same(model, rewritten);
    }

    [Fact]
    public void The_kernel_refuses_a_layer_it_does_not_fit_and_buffers_too_short()
    {
        Assert.Throws<ArgumentException>(() => new DepthwiseConvolution(new sbyte[40 * 11], 40, 11, new int[40], 1, 0, [1f], 1, 0));
        Assert.Throws<ArgumentException>(() => new DepthwiseConvolution(new sbyte[80 * 10], 80, 10, new int[80], 1, 0, [1f], 1, 0));
        Assert.Throws<ArgumentException>(() => new DepthwiseConvolution(new sbyte[80 * 11], 80, 11, new int[80], 1, 0, new float[3], 1, 0));
        if (!DepthwiseConvolution.IsSupported) return;
        var kernel = new DepthwiseConvolution(new sbyte[80 * 11], 80, 11, new int[80], 1, 0, [1f], 1, 0);
        Assert.Throws<ArgumentException>(() => kernel.Run(new byte[10 * 80], new byte[10 * 80], 10, new short[kernel.PairRowValues - 1]));
        Assert.Throws<ArgumentException>(() => kernel.Run(new byte[9 * 80], new byte[10 * 80], 10, new short[kernel.PairRowValues]));
        Assert.Throws<ArgumentOutOfRangeException>(() => kernel.Run(new byte[80], new byte[80], 0, new short[kernel.PairRowValues]));
    }

    /// <summary>One depthwise QLinearConv as dipper compile writes it (channels last, "same" padding), or changed one way.</summary>
    private sealed record Layer(int Channels, int Taps, sbyte[] Weights, float[] WeightScales, int[] Bias, float InScale, byte InZero, float OutScale, byte OutZero)
    {
        public string Change { get; init; } = "";

        public static Layer Random(int channels, int taps, string scales, int seed)
        {
            var random = new Random(seed);
            var weights = new sbyte[channels * taps];
            for (var i = 0; i < weights.Length; i++) weights[i] = (sbyte)random.Next(-128, 128);
            var bias = new int[channels];
            var saturating = scales == "saturating";
            for (var c = 0; c < channels; c++) bias[c] = saturating ? random.Next(-3_000_000, 3_000_000) : random.Next(-20_000, 20_000);
            // Ties: input scale × weight scale / output scale is exactly 1/2 in float for every channel.
            var weightScales = Enumerable.Range(0, channels).Select(_ => scales == "ties" ? 0.5f : (float)(0.0005 + random.NextDouble() * 0.002)).ToArray();
            return scales == "ties"
                ? new Layer(channels, taps, weights, weightScales, bias, 1f, (byte)random.Next(256), 1f, (byte)random.Next(256))
                : new Layer(channels, taps, weights, weightScales, bias, 0.05f, (byte)random.Next(256), 0.02f + (float)random.NextDouble() * 0.05f, (byte)random.Next(256));
        }

        public byte[] Model()
        {
            var graph = new GraphProto { Name = "depthwise" };
            graph.Input.Add(Value("x", Change == "channels first"));
            graph.Output.Add(Value("y", Change == "channels first"));
            var notDepthwise = Change == "not depthwise";
            var weightShape = notDepthwise ? new long[] { Channels, Channels, Taps } : [Channels, 1, Taps];
            var weights = notDepthwise ? new sbyte[Channels * Channels * Taps] : Weights;
            graph.Initializer.Add(Tensor("w", TensorProto.Types.DataType.Int8, weightShape, (byte[])(Array)weights));
            graph.Initializer.Add(Tensor("w_scale", TensorProto.Types.DataType.Float, [Channels], Bytes(WeightScales)));
            graph.Initializer.Add(Tensor("w_zero", TensorProto.Types.DataType.Int8, [Channels],
                Enumerable.Repeat((byte)(Change == "weight zero point 1" ? 1 : 0), Channels).ToArray()));
            graph.Initializer.Add(Tensor("x_scale", TensorProto.Types.DataType.Float, [], Bytes([InScale])));
            graph.Initializer.Add(Tensor("x_zero", TensorProto.Types.DataType.Uint8, [], [InZero]));
            graph.Initializer.Add(Tensor("y_scale", TensorProto.Types.DataType.Float, [], Bytes([OutScale])));
            graph.Initializer.Add(Tensor("y_zero", TensorProto.Types.DataType.Uint8, [], [OutZero]));
            graph.Initializer.Add(Tensor("bias", TensorProto.Types.DataType.Int32, [Channels], Bytes(Bias)));
            var node = new NodeProto { OpType = "QLinearConv", Domain = "com.microsoft", Name = "layer" };
            node.Input.AddRange(["x", "x_scale", "x_zero", "w", "w_scale", "w_zero", "y_scale", "y_zero", "bias"]);
            node.Output.Add("y");
            node.Attribute.Add(Int("channels_last", Change == "channels first" ? 0 : 1));
            node.Attribute.Add(Int("group", notDepthwise ? 1 : Channels));
            node.Attribute.Add(Ints("kernel_shape", Taps));
            var pad = Change == "padding 4" ? 4 : Taps / 2;
            node.Attribute.Add(Ints("pads", pad, pad));
            node.Attribute.Add(Ints("strides", Change == "stride 2" ? 2 : 1));
            node.Attribute.Add(Ints("dilations", Change == "dilation 2" ? 2 : 1));
            graph.Node.Add(node);
            var model = new ModelProto { IrVersion = 7, ProducerName = "dipper-test", Graph = graph };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
            return model.ToByteArray();
        }

        private static ValueInfoProto Value(string name, bool channelsFirst)
        {
            var shape = new TensorShapeProto();
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
            if (channelsFirst) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "channels" });
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "frames" });
            if (!channelsFirst) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "channels" });
            var type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Uint8, Shape = shape } };
            return new ValueInfoProto { Name = name, Type = type };
        }

        private static TensorProto Tensor(string name, TensorProto.Types.DataType type, long[] dims, byte[] raw)
        {
            var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
            tensor.Dims.AddRange(dims);
            return tensor;
        }

        private static byte[] Bytes<T>(T[] values) where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

        private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

        private static AttributeProto Ints(string name, params long[] values)
        {
            var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            attribute.Ints.AddRange(values);
            return attribute;
        }
    }
}
