using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Dipper.Basecaller.Signal;
using PureHDF;
using PureHDF.Filters;
using PureHDF.VOL.Native;

namespace Dipper.Basecaller.Tests.Signal;

public class VbzFilterTests
{
    private static readonly uint[] V1Parameters = [1, 2, 1, 1];

    [Fact]
    public void Stream_vbyte_decodes_the_published_layout_keys_first_then_little_endian_values()
    {
        // Samples 1, 2, 3, 3, 1003: zigzag deltas 2, 2, 2, 0, 2000. Key byte 0 holds four 1-byte codes
        // (0); key byte 1 holds code 1 (two bytes) in its lowest pair. 2000 = 0x07D0, little-endian.
        byte[] encoded = [0x00, 0x01, 2, 2, 2, 0, 0xD0, 0x07];
        var samples = new short[5];

        StreamVByte.DecodeZigzagDelta(encoded, samples);

        Assert.Equal(new short[] { 1, 2, 3, 3, 1003 }, samples);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(17)]
    [InlineData(100_003)]
    public void Stream_vbyte_round_trips_any_int16_signal(int count)
    {
        var random = new Random(count);
        var samples = new short[count];
        for (var i = 0; i < count; i++)
            samples[i] = i % 97 == 5 ? (i % 2 == 0 ? short.MinValue : short.MaxValue) : (short)random.Next(300, 700);
        var encoded = new byte[StreamVByte.MaxEncodedLength(count)];

        foreach (var zigzagDelta in new[] { true, false })
        {
            var length = zigzagDelta ? StreamVByte.EncodeZigzagDelta(samples, encoded) : StreamVByte.EncodePlain(samples, encoded);
            var decoded = new short[count];
            if (zigzagDelta) StreamVByte.DecodeZigzagDelta(encoded.AsSpan(0, length), decoded);
            else StreamVByte.DecodePlain(encoded.AsSpan(0, length), decoded);
            Assert.Equal(samples, decoded);
        }
    }

    [Fact]
    public void Stream_vbyte_refuses_blocks_that_do_not_hold_exactly_the_declared_samples()
    {
        short[] samples = [500, 510, 490, 505, 495, 30000, -30000];
        var encoded = new byte[StreamVByte.MaxEncodedLength(samples.Length)];
        var length = StreamVByte.EncodeZigzagDelta(samples, encoded);
        var good = encoded[..length];

        Assert.Throws<InvalidDataException>(() => StreamVByte.DecodeZigzagDelta(good[..^1], new short[7])); // ends inside a value
        Assert.Throws<InvalidDataException>(() => StreamVByte.DecodeZigzagDelta([.. good, 0], new short[7])); // bytes left over
        Assert.Throws<InvalidDataException>(() => StreamVByte.DecodeZigzagDelta(good, new short[8])); // more samples declared
        Assert.Throws<InvalidDataException>(() => StreamVByte.DecodeZigzagDelta(good[..1], new short[7])); // keys cut

        // A four-byte delta of 2^20 cannot come from int16 samples.
        byte[] tooLarge = [0x03, 0x00, 0x00, 0x20, 0x00];
        Assert.Throws<InvalidDataException>(() => StreamVByte.DecodeZigzagDelta(tooLarge, new short[1]));
    }

    [Fact]
    public void Vbz_chunk_is_size_header_then_zstd_over_stream_vbyte_and_round_trips()
    {
        var samples = Enumerable.Range(0, 20_000).Select(i => (short)(450 + (i * 7919 % 61) - 30)).ToArray();
        var raw = MemoryMarshal.AsBytes(samples.AsSpan()).ToArray();
        var filter = new VbzFilter();

        var chunk = filter.Filter(new FilterInfo(H5FilterFlags.None, V1Parameters, raw.Length, raw)).ToArray();

        Assert.Equal((uint)raw.Length, BinaryPrimitives.ReadUInt32LittleEndian(chunk));
        Assert.Equal(0xFD2FB528, BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(4))); // zstd frame magic
        Assert.True(chunk.Length < raw.Length / 2);
        var decoded = filter.Filter(new FilterInfo(H5FilterFlags.Decompress, V1Parameters, raw.Length, chunk));
        Assert.Equal(raw, decoded.ToArray());
        // Version 0 chunks are laid out the same way.
        Assert.Equal(raw, VbzFilter.Decompress(chunk, [0, 2, 1, 1, 1], raw.Length));
    }

    [Fact]
    public void Vbz_without_zstd_stores_the_stream_vbyte_block_directly()
    {
        short[] samples = [100, 101, 99, 400];
        var raw = MemoryMarshal.AsBytes(samples.AsSpan()).ToArray();
        uint[] parameters = [1, 2, 1, 0];

        var chunk = VbzFilterRoundTrip(raw, parameters);

        Assert.Equal(4 + 1 + 5, chunk.Length); // size, one key byte, deltas 100, 1, -2 in one byte each, 301 in two
    }

    private static byte[] VbzFilterRoundTrip(byte[] raw, uint[] parameters)
    {
        var filter = new VbzFilter();
        var chunk = filter.Filter(new FilterInfo(H5FilterFlags.None, parameters, raw.Length, raw)).ToArray();
        Assert.Equal(raw, VbzFilter.Decompress(chunk, parameters, raw.Length));
        return chunk;
    }

    [Fact]
    public void Vbz_refuses_unknown_parameters_and_inconsistent_chunks()
    {
        var raw = new byte[400];
        var chunk = new VbzFilter().Filter(new FilterInfo(H5FilterFlags.None, V1Parameters, raw.Length, raw)).ToArray();

        Assert.Throws<InvalidDataException>(() => VbzFilter.Decompress(chunk, [2, 2, 1, 1], raw.Length)); // version
        Assert.Throws<InvalidDataException>(() => VbzFilter.Decompress(chunk, [1, 4, 1, 1], raw.Length)); // int32 data
        Assert.Throws<InvalidDataException>(() => VbzFilter.Decompress(chunk, [1, 2], raw.Length)); // too few
        Assert.Throws<InvalidDataException>(() => VbzFilter.Decompress(chunk, V1Parameters, raw.Length + 2)); // size header disagrees
        Assert.Throws<InvalidDataException>(() => VbzFilter.Decompress(chunk[..^3], V1Parameters, raw.Length)); // zstd frame cut
        Assert.Throws<InvalidDataException>(() => VbzFilter.Decompress(chunk[..3], V1Parameters, raw.Length)); // no header
    }

    [Fact]
    public void Registration_from_many_threads_at_once_lets_purehdf_decode_vbz_signal_in_each()
    {
        // The first read of the VBZ sample file, as its expected decode lists it: id, samples, sum, first five.
        var expected = ExpectedDecode.Load("ten_reads_vbz_v1")[0].Split('\t');
        var path = Fast5ReaderTests.FormatsFile("ten_reads_vbz_v1");

        // PureHDF itself reads the signal, not Fast5Reader, so only EnsureRegistered can have taught it VBZ.
        var decoded = new string[16];
        Parallel.For(0, decoded.Length, i =>
        {
            VbzFilter.EnsureRegistered();
            using var file = H5File.OpenRead(path);
            var signal = file.Dataset($"read_{expected[0]}/Raw/Signal").Read<short[]>();
            decoded[i] = $"{signal.Length}\t{signal.Sum(s => (long)s)}\t{string.Join(',', signal.Take(5))}";
        });

        Assert.All(decoded, d => Assert.Equal(string.Join('\t', expected[1..]), d));
    }

    [Fact]
    public async Task Fast5_written_with_vbz_by_purehdf_reads_back_sample_for_sample()
    {
        VbzFilter.EnsureRegistered();
        var samples = Enumerable.Range(0, 50_000).Select(i => (short)(500 + (i * 31 % 97))).ToArray();
        var id = "6f6c3b0c-3f0e-4d0e-9b8a-2b9f4ac0ffee";
        var creation = new H5DatasetCreation(Filters: [new H5Filter(VbzFilter.Id)]);
        var file = new H5File
        {
            ["read_" + id] = new H5Group
            {
                ["Raw"] = new H5Group
                {
                    ["Signal"] = new H5Dataset(samples, chunks: [20_000], datasetCreation: creation),
                    Attributes = new() { ["read_id"] = id, ["duration"] = (uint)samples.Length },
                },
            },
        };
        using var stream = new MemoryStream();
        file.Write(stream);

        var (reads, error) = await Fast5ReaderTests.ReadAll(stream.ToArray(), "written.fast5");

        Assert.Null(error);
        var read = Assert.Single(reads);
        Assert.Equal(id, read.ReadId);
        Assert.Equal(samples, read.Signal);
    }
}
