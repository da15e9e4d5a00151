using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// The one C library function Dipper needs: TFLite reports errors as printf format + va_list, which only
/// the C library can expand. On x86-64 and AArch64 Linux a va_list argument travels as one pointer
/// (an array type on x86-64, a by-reference aggregate on AArch64), so it is passed on as <see cref="nint"/>.
/// </summary>
internal static unsafe partial class LibCNative
{
    static LibCNative() => NativeLibraries.EnsureConfigured();

    [LibraryImport(NativeLibraries.LibC, EntryPoint = "vsnprintf")]
    internal static partial int VsnPrintf(byte* buffer, nuint size, nint format, nint args);
}
