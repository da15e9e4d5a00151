using System.CommandLine;
using Dipper.Basecaller.Inference;
using Dipper.Tpu.Devices;
using Dipper.Tpu.Engines;

namespace Dipper.Device.Commands;

/// <summary>
/// <c>dipperd devices</c>: what this box can run inference on — the ONNX Runtime, TFLite and Edge TPU libraries
/// with their versions, the engines, and every Coral with its state and path. The first thing to run when the Edge TPU
/// is not used; exits 0 whether or not a TPU is present, since "none" is an answer, not an error.
/// </summary>
public static class DevicesCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var command = new Command("devices", "List inference engines, Edge TPUs (state, path) and native library versions");
        command.SetAction(_ => Run(Console.Out));
        return command;
    }

    /// <summary>Probes and prints; always 0.</summary>
    public static int Run(TextWriter output)
    {
        var availability = EdgeTpuProbe.Run();
        EngineInventory.Write(output, availability, LibUsbCoralScanner.Version(), OnnxRuntimeLibrary.Probe());
        output.Flush();
        return 0;
    }
}
