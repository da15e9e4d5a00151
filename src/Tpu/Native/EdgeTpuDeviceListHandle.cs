using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>The block from <c>edgetpu_list_devices</c> (device array and path strings), freed once with <c>edgetpu_free_devices</c>.</summary>
internal sealed class EdgeTpuDeviceListHandle : SafeHandle
{
    private EdgeTpuDeviceListHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Number of devices in the block.</summary>
    internal int Count { get; private init; }

    /// <summary>Lists devices; the handle is invalid (nothing to free) when there are none.</summary>
    internal static unsafe EdgeTpuDeviceListHandle List()
    {
        var devices = EdgeTpuNative.ListDevices(out var count);
        var result = new EdgeTpuDeviceListHandle { Count = devices == null ? 0 : checked((int)count) };
        result.SetHandle((nint)devices);
        return result;
    }

    /// <summary>The i-th entry, read in place.</summary>
    internal unsafe EdgeTpuDeviceNative this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return ((EdgeTpuDeviceNative*)handle)[index];
        }
    }

    protected override bool ReleaseHandle()
    {
        EdgeTpuNative.FreeDevices(handle);
        return true;
    }
}
