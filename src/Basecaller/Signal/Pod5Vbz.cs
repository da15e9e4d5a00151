using ZstdSharp;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// VBZ as POD5 stores a signal row: one zstd frame over svb16 (<see cref="Pod5Svb16"/>, a 1-bit-key
/// stream-vbyte for 16-bit values) of zigzag-encoded sample-to-sample differences. Nanopore current
/// moves by a few ADC counts per sample, so most differences fit one byte; zstd squeezes what is left.
/// </summary>
/// <remarks>
/// One instance per reader: it keeps the zstd context and the decompression buffer between rows,
/// so decoding allocates nothing per row once the buffer has grown to the longest row.
/// Decoding is strict: the decompressed stream must hold exactly the declared number of samples
/// (no byte missing, none left over), because a zstd frame without a checksum is the only other
/// line of defence against a damaged file.
/// </remarks>
internal sealed class Pod5Vbz : IDisposable
{
    private readonly Decompressor _zstd = new();
    private byte[] _buffer = [];

    /// <summary>Bytes svb16 needs at most for <paramref name="sampleCount"/> samples: the key bits plus two bytes each.</summary>
    public static long MaxEncodedLength(long sampleCount) => (sampleCount + 7) / 8 + 2 * sampleCount;

    /// <summary>Decompresses and decodes one row into <paramref name="destination"/>, whose length is the row's declared sample count.</summary>
    /// <exception cref="InvalidDataException">The row does not decode to exactly that many samples.</exception>
    public void Decode(ReadOnlySpan<byte> compressed, Span<short> destination)
    {
        var capacity = MaxEncodedLength(destination.Length);
        if (capacity > Array.MaxLength) throw new InvalidDataException($"row declares {destination.Length} samples, more than a row can hold");
        if (_buffer.Length < capacity) _buffer = GC.AllocateUninitializedArray<byte>((int)capacity);

        int size;
        try
        {
            size = _zstd.Unwrap(compressed, _buffer.AsSpan(0, (int)capacity));
        }
        catch (ZstdException e)
        {
            // Also raised when the frame holds more bytes than the declared count allows.
            throw new InvalidDataException($"zstd frame does not decompress: {e.Message}", e);
        }
        Pod5Svb16.Decode(_buffer.AsSpan(0, size), destination);
    }

    /// <inheritdoc />
    public void Dispose() => _zstd.Dispose();
}
