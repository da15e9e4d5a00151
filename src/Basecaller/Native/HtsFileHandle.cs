using System.Runtime.InteropServices;

namespace Dipper.Basecaller.Native;

/// <summary>
/// Owns an <c>htsFile*</c> (an open SAM, BAM or CRAM file). <see cref="Close"/> reports whether the last
/// block and the end-of-file marker reached the file, which a writer must know before it calls the file whole;
/// disposing without it closes the file and ignores the result (the output is being abandoned anyway).
/// </summary>
public sealed class HtsFileHandle : SafeHandle
{
    private HtsFileHandle() : base(0, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <summary>Opens <paramref name="path"/> with an htslib mode (<c>wb</c> BAM, <c>w</c> SAM, <c>wc</c> CRAM, <c>r</c> any).</summary>
    /// <exception cref="HtsUnavailableException">htslib is not installed.</exception>
    /// <exception cref="IOException">htslib could not open the file.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to create or read it.</exception>
    public static HtsFileHandle Open(string path, string mode)
    {
        HtsNative.EnsureLoaded();
        var pointer = HtsNative.hts_open(path, mode);
        if (pointer == 0) throw Failure($"{path}: htslib could not open it");
        var file = new HtsFileHandle();
        file.SetHandle(pointer);
        return file;
    }

    /// <summary>Flushes and closes the file; throws when that failed (disk full), so the output is not taken as whole.</summary>
    /// <exception cref="IOException">htslib could not finish the file.</exception>
    public void Close(string path)
    {
        if (IsClosed) return;
        var status = HtsNative.hts_close(handle);
        SetHandleAsInvalid();
        if (status != 0) throw Failure($"{path}: htslib could not finish the file");
    }

    /// <summary>
    /// The exception .NET's own file calls would throw for the error of a failed htslib call: no permission as
    /// <see cref="UnauthorizedAccessException"/>, a missing folder as <see cref="DirectoryNotFoundException"/>, anything
    /// else as an <see cref="IOException"/> carrying the C library's error number as its HResult (as .NET does on Linux),
    /// so a full disk (ENOSPC) or a read-only one (EROFS) is told from a failing one.
    /// </summary>
    internal static Exception Failure(string what)
    {
        const int NoSuchFile = 2, NotPermitted = 1, AccessDenied = 13;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == 0) return new IOException(what);
        var message = $"{what}: {Marshal.GetPInvokeErrorMessage(errno)}";
        return errno switch
        {
            NotPermitted or AccessDenied => new UnauthorizedAccessException(message),
            NoSuchFile => new DirectoryNotFoundException(message),
            _ => new IOException(message, errno),
        };
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        HtsNative.hts_close(handle);
        return true;
    }
}
