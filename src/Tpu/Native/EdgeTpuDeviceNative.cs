using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// <c>struct edgetpu_device { enum edgetpu_device_type type; const char* path; }</c>: 16 bytes on 64-bit
/// (4-byte enum, 4 bytes padding, pointer). Read in place from the block <c>edgetpu_list_devices</c> returns.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct EdgeTpuDeviceNative
{
    internal EdgeTpuDeviceType Type;
    internal nint Path;
}
