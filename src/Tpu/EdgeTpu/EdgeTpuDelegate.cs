using System.Runtime.InteropServices;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.EdgeTpu;

/// <summary>
/// The Edge TPU delegate for one TPU. Interpreters built with it send the model's <c>edgetpu-custom-op</c>
/// to that TPU; disposing it while they exist is safe (it is freed after them).
/// </summary>
public sealed class EdgeTpuDelegate : TfliteDelegate
{
    private EdgeTpuDelegate(EdgeTpuDelegateHandle handle, EdgeTpuDevice device) : base(handle) => Device = device;

    /// <summary>The TPU this delegate drives.</summary>
    public EdgeTpuDevice Device { get; }

    /// <summary>Opens <paramref name="device"/> (on USB the first open also loads the firmware, taking ~1 s).</summary>
    /// <exception cref="EdgeTpuException">libedgetpu returned no delegate: device gone, no access, or an option refused.</exception>
    /// <exception cref="NativeLibraryNotFoundException">libedgetpu cannot be loaded.</exception>
    public static unsafe EdgeTpuDelegate Create(EdgeTpuDevice device, EdgeTpuDelegateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        // libedgetpu aborts the process (CHECK(name)) when options come without a device name: never pass that.
        if (string.IsNullOrEmpty(device.Path)) throw new ArgumentException("an Edge TPU device needs its path", nameof(device));
        var pairs = (options ?? new EdgeTpuDelegateOptions()).ToNativeOptions();
        var strings = new List<nint>(1 + 2 * pairs.Count);
        try
        {
            var name = Marshal.StringToCoTaskMemUTF8(device.Path);
            strings.Add(name);
            var native = stackalloc EdgeTpuOptionNative[Math.Max(pairs.Count, 1)];
            for (var i = 0; i < pairs.Count; i++)
            {
                native[i].Name = Marshal.StringToCoTaskMemUTF8(pairs[i].Key);
                strings.Add(native[i].Name);
                native[i].Value = Marshal.StringToCoTaskMemUTF8(pairs[i].Value);
                strings.Add(native[i].Value);
            }
            var pointer = EdgeTpuRuntime.Call(() =>
                EdgeTpuNative.CreateDelegate(device.Type, (byte*)name, pairs.Count == 0 ? null : native, (nuint)pairs.Count));
            var handle = EdgeTpuDelegateHandle.Own(pointer) ?? throw new EdgeTpuException(
                $"Edge TPU {device}: libedgetpu could not open it (edgetpu_create_delegate returned no delegate" +
                $"{(pairs.Count > 0 ? " for options " + string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : "")}). " +
                EdgeTpuException.WhatToCheck, device);
            return new EdgeTpuDelegate(handle, device);
        }
        finally
        {
            foreach (var s in strings) Marshal.FreeCoTaskMem(s);
        }
    }
}
