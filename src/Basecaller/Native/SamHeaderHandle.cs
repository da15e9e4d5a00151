using System.Runtime.InteropServices;
using System.Text;

namespace Dipper.Basecaller.Native;

/// <summary>Owns a <c>sam_hdr_t*</c>: the header (@HD, @RG, @PG lines) a SAM, BAM or CRAM file starts with.</summary>
public sealed class SamHeaderHandle : SafeHandle
{
    private SamHeaderHandle() : base(0, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <summary>A header holding <paramref name="text"/>, tab-separated SAM header lines each ending in a newline.</summary>
    /// <exception cref="InvalidDataException">htslib refused a line.</exception>
    public static unsafe SamHeaderHandle FromText(string text)
    {
        HtsNative.EnsureLoaded();
        var header = new SamHeaderHandle();
        header.SetHandle(HtsNative.sam_hdr_init());
        if (header.IsInvalid) throw new OutOfMemoryException("sam_hdr_init failed");
        var bytes = Encoding.UTF8.GetBytes(text);
        fixed (byte* lines = bytes)
        {
            if (HtsNative.sam_hdr_add_lines(header, lines, (nuint)bytes.Length) != 0)
            {
                header.Dispose();
                throw new InvalidDataException($"htslib refused the SAM header:\n{text}");
            }
        }
        return header;
    }

    /// <summary>Reads the header of a file opened for reading.</summary>
    /// <exception cref="InvalidDataException">The file has no readable header.</exception>
    public static SamHeaderHandle Read(HtsFileHandle file, string path)
    {
        var header = new SamHeaderHandle();
        header.SetHandle(HtsNative.sam_hdr_read(file));
        if (header.IsInvalid) throw new InvalidDataException($"{path}: no SAM/BAM/CRAM header could be read");
        return header;
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        HtsNative.sam_hdr_destroy(handle);
        return true;
    }
}
