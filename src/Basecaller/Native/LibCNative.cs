using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Dipper.Basecaller.Native;

/// <summary>
/// Every C library function Dipper calls, declared in this one class so both programs (and Dipper.Tpu) share
/// one set of declarations. It lives in Dipper.Basecaller, the assembly everything else references.
/// <list type="bullet">
/// <item>rename(2), which replaces a symlink in one step without following it (the atomic model switch);</item>
/// <item>open(2) and fsync(2) on a folder, which make a rename or a new file in it survive a power cut
/// (.NET cannot open a folder as a file);</item>
/// <item>setenv(3), unsetenv(3) and getenv(3): on Linux .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// changes only the managed copy, while native libraries (libtorch's OpenMP runtime, libedgetpu's test double) read
/// the process environment;</item>
/// <item>vsnprintf(3): TFLite reports errors as printf format + va_list, which only the C library can expand.
/// On x86-64 and AArch64 Linux a va_list argument travels as one pointer (an array type on x86-64, a
/// by-reference aggregate on AArch64), so it is passed on as <see cref="nint"/>.</item>
/// </list>
/// The library is named by its soname: <c>libc.so</c> is a linker script that only the development package installs.
/// </summary>
public static unsafe partial class LibCNative
{
    private const string Library = "libc.so.6";

    // O_RDONLY; O_DIRECTORY is left out because its value differs between x86-64 and arm64.
    private const int ReadOnly = 0;

    /// <summary>Atomically renames <paramref name="from"/> to <paramref name="to"/>, replacing <paramref name="to"/> if it is a file or symlink.</summary>
    /// <exception cref="IOException">rename(2) failed; the message names both paths and the C library's reason.</exception>
    public static void Rename(string from, string to)
    {
        if (RenameNative(from, to) != 0)
            throw new IOException($"rename {from} → {to}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>Flushes a folder's entries to disk so renames and new files inside it are durable.</summary>
    /// <exception cref="IOException">The folder could not be opened or flushed; the message names the call and the folder.</exception>
    public static void SyncDirectory(string path)
    {
        var fd = OpenNative(path, ReadOnly);
        if (fd < 0) throw new IOException($"open of folder {path} failed: {Marshal.GetLastPInvokeErrorMessage()}");
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (FsyncNative(handle) != 0) throw new IOException($"fsync of folder {path} failed: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>Sets <paramref name="name"/> in the process environment native code reads, and in .NET's copy.</summary>
    /// <param name="name">The variable.</param>
    /// <param name="value">Its value.</param>
    /// <param name="overwrite">False leaves a variable that is already set alone (a user's own setting wins).</param>
    /// <exception cref="InvalidOperationException">setenv(3) failed.</exception>
    public static void SetEnvironment(string name, string value, bool overwrite = true)
    {
        if (!overwrite && (Environment.GetEnvironmentVariable(name) ?? GetEnvironment(name)) is not null) return;
        if (SetEnvNative(name, value, overwrite ? 1 : 0) != 0)
            throw new InvalidOperationException($"setenv({name}) failed: {Marshal.GetLastPInvokeErrorMessage()}");
        Environment.SetEnvironmentVariable(name, value);
    }

    /// <summary>Removes <paramref name="name"/> from the process environment native code reads, and from .NET's copy.</summary>
    public static void UnsetEnvironment(string name)
    {
        UnsetEnvNative(name);
        Environment.SetEnvironmentVariable(name, null);
    }

    /// <summary>The value native code sees for <paramref name="name"/> (getenv(3)), or null.</summary>
    public static string? GetEnvironment(string name) => Marshal.PtrToStringUTF8(GetEnvNative(name));

    /// <summary>vsnprintf(3), for formatting a native library's printf-style message (TFLite's error reporter).</summary>
    public static int VsnPrintf(byte* buffer, nuint size, nint format, nint args) => VsnPrintfNative(buffer, size, format, args);

    [LibraryImport(Library, EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameNative(string from, string to);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags);

    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncNative(SafeFileHandle fd);

    [LibraryImport(Library, EntryPoint = "setenv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvNative(string name, string value, int overwrite);

    [LibraryImport(Library, EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnvNative(string name);

    [LibraryImport(Library, EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnvNative(string name);

    [LibraryImport(Library, EntryPoint = "vsnprintf")]
    private static partial int VsnPrintfNative(byte* buffer, nuint size, nint format, nint args);
}
