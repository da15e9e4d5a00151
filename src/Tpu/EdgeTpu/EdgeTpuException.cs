namespace Dipper.Tpu.EdgeTpu;

/// <summary>
/// The Edge TPU could not be used (not found, could not be opened, runtime missing). The message names the
/// Edge TPU and what to check, because on the appliance this is read by whoever plugged the box in.
/// </summary>
public sealed class EdgeTpuException : Exception
{
    /// <summary>The usual causes, quoted in messages.</summary>
    public const string WhatToCheck =
        "Check that the Coral is plugged in (lsusb shows 1a6e:089a before its firmware is loaded, 18d1:9302 after), " +
        "that udev rules let this user open it (both ids, group plugdev), " +
        "and that libedgetpu (Debian libedgetpu1-std or -max) is installed and built for the same TensorFlow as libtensorflowlite_c.";

    /// <summary>Creates the error.</summary>
    public EdgeTpuException(string message, EdgeTpuDevice? device = null, Exception? inner = null)
        : base(message, inner) => Device = device;

    /// <summary>The TPU concerned, when there is one.</summary>
    public EdgeTpuDevice? Device { get; }
}
