using System.Buffers.Binary;
using System.IO.Compression;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Signal;

/// <summary>The svb-zd and ex-zd signal decoders on their own: round trips, edge lengths, corrupt blobs.</summary>
public sealed class Blow5SignalCodecTests
{
    public static TheoryData<int> Lengths => [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 1000, 100_003];

    private static short[] Signal(int length, int seed)
    {
        var random = new Random(seed);
        var signal = Blow5Writer.SyntheticSignal(random, length);
        // Jumps of every size, up to rail to rail, so every byte length and exception path is used.
        for (var i = 0; i < length; i += 1 + random.Next(50))
            signal[i] = (short)random.Next(short.MinValue, short.MaxValue + 1);
        if (length > 2) { signal[1] = short.MinValue; signal[2] = short.MaxValue; }
        return signal;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Svb_zd_round_trips_any_int16_signal(int length)
    {
        var signal = Signal(length, length);
        var blob = Blow5Writer.EncodeSvbZd(signal);
        var decoded = new short[SvbZdDecoder.ReadSampleCount(blob)];
        SvbZdDecoder.Decode(blob, decoded);
        Assert.Equal(signal, decoded);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Ex_zd_round_trips_any_int16_signal(int length)
    {
        var signal = Signal(length, length + 1);
        var blob = Blow5Writer.EncodeExZd(signal);
        var decoded = new short[ExZdDecoder.ReadSampleCount(blob)];
        ExZdDecoder.Decode(blob, decoded);
        Assert.Equal(signal, decoded);
    }

    [Fact]
    public async Task Ex_zd_layout_reproduces_slow5tools_bytes_exactly()
    {
        // The decoder's model of ex-zd, run as an encoder on the uncompressed copy of the read,
        // gives byte for byte the blob slow5tools wrote.
        var read = (await Blow5ReaderTests.ReadAllAsync(SignalFile.Open(Blow5ReaderTests.Blow5Path("one_read_uncompressed"))))[0];
        var slow5tools = ExZdBlobOf(Blow5ReaderTests.Blow5Path("one_read_zlib_ex-zd"));
        Assert.Equal(slow5tools, Blow5Writer.EncodeExZd(read.Signal));
    }

    [Fact]
    public void Ex_zd_without_exception_lists_is_accepted()
    {
        short[] signal = [5, 6, 7, 8, 9];
        byte[] blob = [0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 2, 2, 2, 2];
        var decoded = new short[ExZdDecoder.ReadSampleCount(blob)];
        ExZdDecoder.Decode(blob, decoded);
        Assert.Equal(signal, decoded);
    }

    [Fact]
    public void Svb_zd_refuses_counts_its_bytes_cannot_hold_before_allocating()
    {
        var blob = Blow5Writer.EncodeSvbZd(Signal(100, 3));
        BinaryPrimitives.WriteUInt32LittleEndian(blob, uint.MaxValue);
        Assert.Throws<InvalidDataException>(() => SvbZdDecoder.ReadSampleCount(blob));
        Assert.Throws<InvalidDataException>(() => SvbZdDecoder.ReadSampleCount([1, 0]));
    }

    [Fact]
    public void Svb_zd_refuses_data_that_runs_short_or_is_left_over()
    {
        var signal = Signal(100, 4);
        var blob = Blow5Writer.EncodeSvbZd(signal);
        var samples = new short[100];
        Assert.Throws<InvalidDataException>(() => SvbZdDecoder.Decode([.. blob, 0], samples));
        // A key saying four bytes where one was written makes the data run short.
        var longer = (byte[])blob.Clone();
        longer[4 + 24] = 0xFF;
        Assert.Throws<InvalidDataException>(() => SvbZdDecoder.Decode(longer, samples));
    }

    [Fact]
    public void Svb_zd_refuses_samples_outside_int16()
    {
        // Two differences of +32767 (zigzag 65534, two bytes each) climb past short.MaxValue.
        byte[] blob = [2, 0, 0, 0, 0b0101, 0xFE, 0xFF, 0xFE, 0xFF];
        Assert.Throws<InvalidDataException>(() => SvbZdDecoder.Decode(blob, new short[2]));
    }

    [Fact]
    public void Ex_zd_refuses_unknown_variants_and_inconsistent_lists()
    {
        var signal = Signal(1000, 5);
        var blob = Blow5Writer.EncodeExZd(signal);
        var samples = new short[1000];

        var variant = (byte[])blob.Clone();
        variant[0] = 1;
        Assert.Throws<InvalidDataException>(() => ExZdDecoder.Decode(variant, samples));

        var reserved = (byte[])blob.Clone();
        reserved[7] = 1;
        Assert.Throws<InvalidDataException>(() => ExZdDecoder.Decode(reserved, samples));

        var moreExceptions = (byte[])blob.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(moreExceptions.AsSpan(12), BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(12)) + 1);
        Assert.Throws<InvalidDataException>(() => ExZdDecoder.Decode(moreExceptions, samples));

        Assert.Throws<InvalidDataException>(() => ExZdDecoder.Decode(blob[..^1], samples));
        Assert.Throws<InvalidDataException>(() => ExZdDecoder.ReadSampleCount([0, 0xFF, 0xFF, 0xFF, 0x7F, 0]));
    }

    /// <summary>The signal blob of the single read in a zlib-record, ex-zd BLOW5 file.</summary>
    private static byte[] ExZdBlobOf(string path)
    {
        var file = File.ReadAllBytes(path);
        var recordOffset = 68 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(64));
        var size = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(recordOffset));
        using var inflater = new ZLibStream(new MemoryStream(file, recordOffset + 8, size), CompressionMode.Decompress);
        var record = new MemoryStream();
        inflater.CopyTo(record);
        var bytes = record.ToArray();
        var signalOffset = 2 + BinaryPrimitives.ReadUInt16LittleEndian(bytes) + 4 + 32;
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(signalOffset));
        return bytes.AsSpan(signalOffset + 8, length).ToArray();
    }
}
