using Dipper.Tpu.Schema;

namespace Dipper.Tpu.Tests.Support;

/// <summary>The hand-built models the tests run; their weights are simple so expected outputs can be worked out by hand.</summary>
internal static class TestModels
{
    /// <summary>Conv filter [out=2, 2, 2, in=1] (OHWI): channel 0 adds the diagonal, channel 1 is anti-diagonal minus.</summary>
    public static readonly float[] ConvFilter = [1, 0, 0, 1, 0, 1, -1, 0];
    public static readonly float[] ConvBias = [0.5f, -1f];

    /// <summary>Fully connected [3, 8]: row 0 sums, row 1 takes channel 0, row 2 mixes.</summary>
    public static readonly float[] DenseWeights =
    [
        1, 1, 1, 1, 1, 1, 1, 1,
        1, 0, 1, 0, 1, 0, 1, 0,
        0.5f, -1, 0, 2, 0, 0, -0.25f, 1,
    ];
    public static readonly float[] DenseBias = [0, 1, -2];

    /// <summary>float32: image [1,3,3,1] → CONV_2D 2×2 VALID → [1,2,2,2] → FULLY_CONNECTED → [1,3].</summary>
    public static byte[] FloatConvDense()
    {
        var b = new TfliteModelBuilder();
        var image = b.Tensor("image", TensorType.FLOAT32, [1, 3, 3, 1]);
        var filter = b.Constant("conv/filter", [2, 2, 2, 1], ConvFilter);
        var convBias = b.Constant("conv/bias", [2], ConvBias);
        var features = b.Tensor("features", TensorType.FLOAT32, [1, 2, 2, 2]);
        var weights = b.Constant("dense/weights", [3, 8], DenseWeights);
        var denseBias = b.Constant("dense/bias", [3], DenseBias);
        var scores = b.Tensor("scores", TensorType.FLOAT32, [1, 3]);
        b.Operator(BuiltinOperator.CONV_2D, [image, filter, convBias], [features],
            BuiltinOptionsUnion.FromConv2DOptions(new Conv2DOptionsT { Padding = Padding.VALID, StrideH = 1, StrideW = 1, DilationHFactor = 1, DilationWFactor = 1 }));
        b.Operator(BuiltinOperator.FULLY_CONNECTED, [features, weights, denseBias], [scores],
            BuiltinOptionsUnion.FromFullyConnectedOptions(new FullyConnectedOptionsT()));
        return b.Signature([image], [scores]).Build();
    }

    public const float Int8InputScale = 0.5f;
    public const int Int8InputZeroPoint = -1;
    public const float Int8WeightScale = 0.25f;
    public const float Int8OutputScale = 0.125f;
    public const int Int8OutputZeroPoint = 3;
    public static readonly sbyte[] Int8Weights = [4, 8, -4, 0, 1, 1, 1, 1];
    public static readonly int[] Int8Bias = [8, -16];

    /// <summary>int8: x [1,4] (scale 0.5, zero point −1) → FULLY_CONNECTED (weights scale 0.25, bias scale 0.125) → [1,2] (scale 0.125, zero point 3).</summary>
    public static byte[] Int8Dense()
    {
        var b = new TfliteModelBuilder();
        var x = b.Tensor("x", TensorType.INT8, [1, 4], Int8InputScale, Int8InputZeroPoint);
        var w = b.Constant("w", [2, 4], Int8Weights, Int8WeightScale, 0);
        var bias = b.Constant("b", [2], Int8Bias, Int8InputScale * Int8WeightScale);
        var y = b.Tensor("y", TensorType.INT8, [1, 2], Int8OutputScale, Int8OutputZeroPoint);
        b.Operator(BuiltinOperator.FULLY_CONNECTED, [x, w, bias], [y],
            BuiltinOptionsUnion.FromFullyConnectedOptions(new FullyConnectedOptionsT()));
        return b.Signature([x], [y]).Build();
    }

    /// <summary>
    /// A model "compiled for the Edge TPU": x [1,4] float → edgetpu-custom-op (the fake delegate runs it as an
    /// identity copy; without the delegate TFLite cannot resolve it) → y [1,4].
    /// </summary>
    public static byte[] EdgeTpuIdentity()
    {
        var b = new TfliteModelBuilder();
        var x = b.Tensor("x", TensorType.FLOAT32, [1, 4]);
        var y = b.Tensor("y", TensorType.FLOAT32, [1, 4]);
        b.Custom("edgetpu-custom-op", [x], [y]);
        return b.Signature([x], [y]).Build();
    }
}
