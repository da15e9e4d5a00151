using Dipper.Basecaller.Signal;
using ZstdSharp;

namespace Dipper.Basecaller.Tests.Signal;

public sealed class Pod5Svb16Tests
{
    public static TheoryData<int> Lengths => [0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 63, 64, 65, 1_000, 102_400];

    /// <summary>DNA-like signal with full-range jumps mixed in, so both one- and two-byte values occur everywhere.</summary>
    private static short[] Signal(int length, int seed)
    {
        var random = new Random(seed);
        var signal = Pod5Writer.DnaLikeSignal(random, length);
        for (var i = 0; i < length; i += 1 + random.Next(20)) signal[i] = (short)random.Next(short.MinValue, short.MaxValue + 1);
        return signal;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Vector_and_scalar_decoders_both_restore_the_encoded_samples(int length)
    {
        var signal = Signal(length, length);
        var encoded = Pod5SignalEncoder.Svb16(signal);
        var scalar = new short[length];
        var vector = new short[length];

        Pod5Svb16.Decode(encoded, scalar, vectorised: false);
        Pod5Svb16.Decode(encoded, vector, vectorised: true);

        Assert.Equal(signal, scalar);
        Assert.Equal(signal, vector);
    }

    [Fact]
    public void Stream_one_byte_short_or_long_is_refused()
    {
        var encoded = Pod5SignalEncoder.Svb16(Signal(100, 1));
        var destination = new short[100];

        Assert.Throws<InvalidDataException>(() => Pod5Svb16.Decode(encoded[..^1], destination));
        Assert.Throws<InvalidDataException>(() => Pod5Svb16.Decode([.. encoded, 0], destination));
    }

    [Fact]
    public void Key_bits_beyond_the_last_sample_are_refused()
    {
        var encoded = Pod5SignalEncoder.Svb16(Signal(12, 2));
        encoded[1] |= 0x80; // sample 15 does not exist

        Assert.Throws<InvalidDataException>(() => Pod5Svb16.Decode([.. encoded, 0], new short[12]));
    }

    [Fact]
    public void Vbz_row_decodes_only_to_its_declared_sample_count()
    {
        var signal = Signal(5_000, 3);
        using var compressor = new Compressor(1);
        var row = Pod5SignalEncoder.Vbz(signal, compressor);
        using var vbz = new Pod5Vbz();
        var decoded = new short[signal.Length];

        vbz.Decode(row, decoded);

        Assert.Equal(signal, decoded);
        Assert.Throws<InvalidDataException>(() => vbz.Decode(row, new short[signal.Length - 1]));
        Assert.Throws<InvalidDataException>(() => vbz.Decode(row, new short[signal.Length + 1]));
        Assert.Throws<InvalidDataException>(() => vbz.Decode(row[..^3], decoded));
    }
}
