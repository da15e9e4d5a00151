using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary><c>struct edgetpu_option { const char* name; const char* value; }</c>; both only need to live for the create call.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct EdgeTpuOptionNative
{
    internal nint Name;
    internal nint Value;
}
