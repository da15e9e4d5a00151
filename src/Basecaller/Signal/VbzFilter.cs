using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using PureHDF.Filters;
using ZstdSharp;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// The VBZ compression filter (HDF5 filter 32020, Oxford Nanopore's) for PureHDF: most FAST5 files
/// written by MinKNOW since 2019 store their signal this way, and PureHDF ships no decoder for it.
/// A VBZ chunk is a little-endian uint32 holding the chunk's original size in bytes, then a zstd
/// frame over stream-vbyte coded (see <see cref="StreamVByte"/>) zigzag-delta int16 samples.
/// </summary>
/// <remarks>
/// Filter parameters (cd_values): version (0 or 1; the two sample files differ only in this number,
/// their chunks are byte-identical), integer size (2: raw signal is int16), delta-zigzag flag, zstd
/// level (0 means the stream-vbyte block is stored without zstd). Anything else is rejected rather
/// than guessed, because a wrong guess would deliver wrong samples.
/// </remarks>
internal sealed class VbzFilter : IH5Filter
{
    /// <summary>The HDF5 filter id registered for VBZ.</summary>
    public const ushort Id = 32020;

    /// <summary>Option key for <see cref="GetParameters"/>: the zstd level used when writing.</summary>
    public const string CompressionLevelOption = "zstd-level";

    // PureHDF keeps filter registrations in a process-wide table (its design, not ours), so the
    // registration is done once, by this type initializer, which the runtime runs exactly once and
    // thread-safely. Nothing here changes after that.
    private static readonly bool Registered = Register();

    /// <inheritdoc />
    public ushort FilterId => Id;

    /// <inheritdoc />
    public string Name => "vbz";

    /// <summary>Makes PureHDF decode VBZ chunks. Idempotent and thread-safe; call before opening a FAST5 file.</summary>
    public static void EnsureRegistered() => _ = Registered;

    private static bool Register()
    {
        H5Filter.Register(new VbzFilter());
        return true;
    }

    /// <inheritdoc />
    public Memory<byte> Filter(FilterInfo info) =>
        info.Flags.HasFlag(H5FilterFlags.Decompress)
            ? Decompress(info.Buffer.Span, info.Parameters, info.ChunkSize)
            : Compress(info.Buffer.Span, info.Parameters);

    /// <inheritdoc />
    public uint[] GetParameters(uint[] chunkDimensions, uint typeSize, Dictionary<string, object>? options)
    {
        if (typeSize != 2) throw new NotSupportedException("VBZ writing is implemented for int16 signal only");
        var level = options is not null && options.TryGetValue(CompressionLevelOption, out var value) ? Convert.ToUInt32(value) : 1u;
        return [1, 2, 1, level];
    }

    /// <summary>Decodes one VBZ chunk of <paramref name="chunkSize"/> bytes.</summary>
    /// <exception cref="InvalidDataException">The chunk or its parameters are not valid VBZ.</exception>
    internal static byte[] Decompress(ReadOnlySpan<byte> chunk, ReadOnlySpan<uint> parameters, int chunkSize)
    {
        var (zigzagDelta, zstd) = ReadParameters(parameters);
        if (chunk.Length < 4) throw new InvalidDataException($"VBZ chunk of {chunk.Length} bytes has no size header");
        var originalSize = BinaryPrimitives.ReadUInt32LittleEndian(chunk);
        // HDF5 always hands a filter whole chunks (edge chunks padded), so the sizes must agree exactly.
        if (originalSize != (uint)chunkSize || chunkSize % 2 != 0)
            throw new InvalidDataException($"VBZ chunk declares {originalSize} bytes of int16 signal in a chunk of {chunkSize} bytes");
        var output = new byte[originalSize];
        var samples = MemoryMarshal.Cast<byte, short>(output.AsSpan());
        var payload = chunk[4..];

        if (zstd) DecompressAndDecode(payload, samples, zigzagDelta);
        else Decode(payload, samples, zigzagDelta);
        if (!BitConverter.IsLittleEndian)
            BinaryPrimitives.ReverseEndianness(samples, samples); // HDF5 stores the chunk little-endian
        return output;
    }

    private static void DecompressAndDecode(ReadOnlySpan<byte> payload, Span<short> samples, bool zigzagDelta)
    {
        var largest = StreamVByte.MaxEncodedLength(samples.Length);
        if (largest > Array.MaxLength)
            throw new InvalidDataException($"VBZ chunk of {samples.Length} samples is larger than any this reader can hold");
        var bound = (int)largest;
        var encoded = ArrayPool<byte>.Shared.Rent(bound);
        try
        {
            int length;
            try
            {
                using var decompressor = new Decompressor();
                length = decompressor.Unwrap(payload, encoded.AsSpan(0, bound));
            }
            catch (ZstdException e)
            {
                throw new InvalidDataException($"VBZ chunk's zstd data is corrupt ({e.Message})", e);
            }
            Decode(encoded.AsSpan(0, length), samples, zigzagDelta);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(encoded);
        }
    }

    private static void Decode(ReadOnlySpan<byte> encoded, Span<short> samples, bool zigzagDelta)
    {
        if (zigzagDelta) StreamVByte.DecodeZigzagDelta(encoded, samples);
        else StreamVByte.DecodePlain(encoded, samples);
    }

    private static (bool ZigzagDelta, bool Zstd) ReadParameters(ReadOnlySpan<uint> parameters)
    {
        if (parameters.Length < 4)
            throw new InvalidDataException($"VBZ filter has {parameters.Length} parameters, needs version, integer size, delta-zigzag and zstd level");
        if (parameters[0] > 1)
            throw new InvalidDataException($"VBZ version {parameters[0]} is not supported (0 and 1 are)");
        if (parameters[1] != 2)
            throw new InvalidDataException($"VBZ integer size {parameters[1]} is not supported (raw signal is 2-byte int16)");
        if (parameters[2] > 1)
            throw new InvalidDataException($"VBZ delta-zigzag flag {parameters[2]} is neither 0 nor 1");
        return (parameters[2] == 1, parameters[3] != 0);
    }

    private static byte[] Compress(ReadOnlySpan<byte> chunk, ReadOnlySpan<uint> parameters)
    {
        var (zigzagDelta, zstd) = ReadParameters(parameters);
        var samples = MemoryMarshal.Cast<byte, short>(chunk);
        var encoded = new byte[StreamVByte.MaxEncodedLength(samples.Length)];
        var length = zigzagDelta
            ? StreamVByte.EncodeZigzagDelta(samples, encoded)
            : StreamVByte.EncodePlain(samples, encoded);
        ReadOnlySpan<byte> payload = encoded.AsSpan(0, length);
        if (zstd)
        {
            using var compressor = new Compressor((int)parameters[3]);
            payload = compressor.Wrap(payload);
        }
        var output = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(output, (uint)chunk.Length);
        payload.CopyTo(output.AsSpan(4));
        return output;
    }
}
