using System.Buffers;
using Apache.Arrow.Memory;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Arrow's buffer allocator for one embedded table, refusing any single buffer larger than the table
/// itself. Arrow sizes buffers from lengths stored in the file; an uncompressed table never needs a
/// buffer larger than its own bytes, so a bigger request means a damaged length field, and it fails
/// fast instead of reserving gigabytes.
/// </summary>
internal sealed class Pod5ArrowAllocator(long tableLength) : NativeMemoryAllocator
{
    /// <inheritdoc />
    protected override IMemoryOwner<byte> AllocateInternal(int length, out int bytesAllocated)
    {
        if (length > tableLength)
            throw new InvalidDataException($"Arrow asks for a {length}-byte buffer in a table of {tableLength} bytes");
        return base.AllocateInternal(length, out bytesAllocated);
    }
}
