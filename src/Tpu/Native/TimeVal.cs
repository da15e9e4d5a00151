using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary><c>struct timeval</c> on 64-bit Linux: two <c>long</c>s.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeVal
{
    internal long Seconds;
    internal long Microseconds;
}
