using System.Reflection;
using System.Runtime.InteropServices;

namespace Dipper.Basecaller.Native;

/// <summary>
/// htslib, the C library samtools, minimap2's tools and Dorado write SAM, BAM and CRAM with, declared in this
/// one class. Dipper writes its alignment-format outputs through it rather than encoding BGZF and BAM itself,
/// so what samtools reads is what htslib wrote. Debian ships it as <c>libhts3</c> (amd64 and arm64); it is
/// loaded by its soname, since the unversioned <c>libhts.so</c> comes only with the development package.
/// </summary>
/// <remarks>
/// The native objects each have their own <see cref="SafeHandle"/>: <see cref="HtsFileHandle"/> (<c>htsFile*</c>),
/// <see cref="SamHeaderHandle"/> (<c>sam_hdr_t*</c>) and <see cref="BamRecordHandle"/> (<c>bam1_t*</c>). A missing
/// library surfaces as <see cref="HtsUnavailableException"/>, naming the package, from <see cref="EnsureLoaded"/>.
/// </remarks>
public static unsafe partial class HtsNative
{
    /// <summary>The Debian package that carries the library.</summary>
    public const string DebianPackage = "libhts3";

    /// <summary>Environment variable naming another htslib to load instead of the system's (a path to a libhts.so.3).</summary>
    public const string LibraryVariable = "DIPPER_HTS_LIB";

    private const string Library = "libhts.so.3";

    // The resolver is the runtime's, registered once for this assembly (the runtime allows one per assembly); it only
    // answers for htslib, leaving every other library of the assembly to the default search.
    static HtsNative() => NativeLibrary.SetDllImportResolver(typeof(HtsNative).Assembly, Resolve);

    /// <summary>Loads htslib now, so a missing library is reported by its package before any output is opened.</summary>
    /// <returns>htslib's version (e.g. 1.16).</returns>
    /// <exception cref="HtsUnavailableException">The library is not installed.</exception>
    public static string EnsureLoaded()
    {
        try
        {
            return Marshal.PtrToStringUTF8(hts_version()) ?? "";
        }
        catch (DllNotFoundException e)
        {
            throw new HtsUnavailableException(
                $"SAM/BAM/CRAM output needs htslib ({Library}), which is not installed: apt-get install {DebianPackage}" +
                (Environment.GetEnvironmentVariable(LibraryVariable) is { Length: > 0 } configured ? $" (or fix {LibraryVariable}={configured})" : ""), e);
        }
    }

    /// <summary>htslib from <see cref="LibraryVariable"/> when it is set (and only from there), otherwise the system's.</summary>
    private static nint Resolve(string library, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (library != Library || Environment.GetEnvironmentVariable(LibraryVariable) is not { Length: > 0 } configured) return 0;
        // Returning 0 would fall back to the system's library, hiding a wrong setting.
        return NativeLibrary.TryLoad(configured, out var handle) ? handle : throw new DllNotFoundException($"{LibraryVariable}={configured} could not be loaded");
    }

    [LibraryImport(Library)]
    private static partial nint hts_version();

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint hts_open(string path, string mode);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int hts_close(nint file);

    [LibraryImport(Library)]
    internal static partial nint sam_hdr_init();

    [LibraryImport(Library)]
    internal static partial int sam_hdr_add_lines(SamHeaderHandle header, byte* lines, nuint length);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int sam_hdr_write(HtsFileHandle file, SamHeaderHandle header);

    [LibraryImport(Library)]
    internal static partial nint sam_hdr_read(HtsFileHandle file);

    [LibraryImport(Library)]
    internal static partial void sam_hdr_destroy(nint header);

    [LibraryImport(Library)]
    internal static partial nint bam_init1();

    [LibraryImport(Library)]
    internal static partial void bam_destroy1(nint record);

    [LibraryImport(Library)]
    internal static partial int bam_set1(BamRecordHandle record, nuint nameLength, byte* name, ushort flag, int tid, long pos,
        byte mapq, nuint cigarLength, uint* cigar, int mateTid, long matePos, long insertSize, nuint sequenceLength,
        byte* sequence, byte* qualities, nuint auxLength);

    [LibraryImport(Library)]
    internal static partial int bam_aux_append(BamRecordHandle record, byte* tag, byte type, int length, byte* data);

    [LibraryImport(Library)]
    internal static partial int bam_aux_update_array(BamRecordHandle record, byte* tag, byte type, uint items, void* data);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int sam_write1(HtsFileHandle file, SamHeaderHandle header, BamRecordHandle record);

    [LibraryImport(Library)]
    internal static partial int sam_read1(HtsFileHandle file, SamHeaderHandle header, BamRecordHandle record);
}
