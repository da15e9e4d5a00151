using System.Buffers.Binary;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// The few facts Dipper checks in a FAST5 file's HDF5 superblock before handing it to PureHDF:
/// where the file says it ends, and whether a writer still holds it open. A copy cut short (a file
/// still being written, an interrupted transfer) is recognised here with an exact offset instead of
/// surfacing later as some read's mysterious decode failure.
/// </summary>
/// <param name="Offset">Byte offset of the superblock (0 unless the file has a user block).</param>
/// <param name="Version">Superblock version, 0 to 3.</param>
/// <param name="EndOfFile">Absolute offset at which the file says its data ends.</param>
/// <param name="OpenForWriting">True when the superblock's consistency flags say a writer has the file open (versions 2 and 3 only).</param>
internal sealed record Fast5Superblock(long Offset, int Version, long EndOfFile, bool OpenForWriting)
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Size of the largest superblock prefix we parse (version 1 with 8-byte offsets).</summary>
    private const int HeaderLength = 64;

    /// <summary>
    /// Finds and parses the superblock. HDF5 allows it at 0, 512, 1024, 2048, ... (after a user block).
    /// </summary>
    /// <exception cref="SignalFormatException">No HDF5 signature, or a superblock HDF5 cannot have written.</exception>
    public static Fast5Superblock Read(Stream stream, string path)
    {
        var length = stream.Length;
        Span<byte> head = stackalloc byte[HeaderLength];
        for (long at = 0; at < length; at = at == 0 ? 512 : at * 2)
        {
            stream.Position = at;
            var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            if (n < Signature.Length || !head.StartsWith(Signature)) continue;
            return Parse(head[..n], at, path);
        }
        throw new SignalFormatException(path, "no HDF5 superblock signature found: not a FAST5 file", 0);
    }

    private static Fast5Superblock Parse(ReadOnlySpan<byte> head, long at, string path)
    {
        SignalFormatException Bad(string problem, int field) =>
            new(path, $"damaged HDF5 superblock: {problem}", at + field);

        if (head.Length < 16) throw Bad("the file ends inside it", head.Length);
        int version = head[8];
        int offsetSize, addressesAt;
        bool openForWriting;
        switch (version)
        {
            case 0:
            case 1:
                offsetSize = head[13];
                addressesAt = version == 0 ? 24 : 28;
                openForWriting = false; // versions 0 and 1 keep no writer flags HDF5 maintains
                break;
            case 2:
            case 3:
                offsetSize = head[9];
                addressesAt = 12;
                openForWriting = (head[11] & 0b101) != 0; // bit 0: open for writing, bit 2: SWMR writer
                break;
            default:
                throw Bad($"version {version} is unknown (0 to 3 exist)", 8);
        }
        if (offsetSize is not (2 or 4 or 8))
            throw Bad($"size of file offsets is {offsetSize} (2, 4 or 8 expected)", version <= 1 ? 13 : 9);

        // Base address, then (v0/1) free-space address or (v2/3) extension address, then end of file.
        var endField = addressesAt + 2 * offsetSize;
        if (head.Length < endField + offsetSize) throw Bad("the file ends inside it", head.Length);
        var baseAddress = ReadAddress(head[addressesAt..], offsetSize);
        var endOfFile = ReadAddress(head[endField..], offsetSize);
        if (baseAddress > long.MaxValue / 2 || endOfFile > long.MaxValue / 2)
            throw Bad("its addresses are beyond any file size", addressesAt);
        return new Fast5Superblock(at, version, (long)(baseAddress + endOfFile), openForWriting);
    }

    private static ulong ReadAddress(ReadOnlySpan<byte> field, int size) => size switch
    {
        2 => BinaryPrimitives.ReadUInt16LittleEndian(field),
        4 => BinaryPrimitives.ReadUInt32LittleEndian(field),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(field),
    };
}
