using Dipper.Tpu.Engines;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Tests.Engines;

public sealed class TensorQuantizationTests
{
    [Fact]
    public void Int8_quantisation_rounds_half_away_from_zero_and_saturates()
    {
        var p = new TfLiteQuantizationParams(0.5f, -1);
        var q = new sbyte[6];
        TensorQuantization.Quantize([0.25f, -0.25f, 1f, 100f, -100f, 0f], q, p);
        Assert.Equal([0, -2, 1, 127, -128, -1], q);
    }

    [Fact]
    public void Uint8_quantisation_uses_the_zero_point_as_the_real_zero()
    {
        var p = new TfLiteQuantizationParams(0.1f, 128);
        var q = new byte[4];
        TensorQuantization.Quantize([0f, 1f, -1f, 30f], q, p);
        Assert.Equal([128, 138, 118, 255], q);
    }

    [Fact]
    public void Dequantisation_is_scale_times_offset_from_the_zero_point()
    {
        var real = new float[3];
        TensorQuantization.Dequantize([55, -2, -128], real, new TfLiteQuantizationParams(0.125f, 3));
        Assert.Equal([6.5f, -0.625f, -16.375f], real);
        TensorQuantization.Dequantize([0, 255], real.AsSpan(0, 2), new TfLiteQuantizationParams(0.5f, 128));
        Assert.Equal([-64f, 63.5f], real[..2]);
    }

    [Fact]
    public void A_tensor_without_a_scale_cannot_be_quantised()
    {
        Assert.Throws<ArgumentException>(() => TensorQuantization.Quantize([1f], new sbyte[1], new TfLiteQuantizationParams(0, 0)));
    }
}
