using System.Globalization;
using Dipper.Basecaller.Inference;
using Dipper.Tpu.Devices;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Engines;

/// <summary>
/// The text of <c>dipperd devices</c>: libraries and their versions, which engines can run (each with the version
/// of the library it runs on), and every Edge TPU with its state and path — both those libedgetpu lists and those
/// only discovery sees, since the difference is the usual udev problem.
/// </summary>
public static class EngineInventory
{
    /// <summary>Writes the inventory: <paramref name="onnx"/> is ONNX Runtime as this process loaded it.</summary>
    public static void Write(TextWriter output, EdgeTpuAvailability tpu, string? libusbVersion, OnnxRuntimeLibrary onnx)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        output.WriteLine("Libraries");
        output.WriteLine(onnx.Version is { } ortVersion
            ? $"  {OnnxRuntimeLibrary.FileName,-24} {ortVersion}  {onnx.LoadedFrom ?? "(path not read)"}"
            : $"  {OnnxRuntimeLibrary.FileName,-24} not found ({onnx.Problem})");
        Library(output, tpu.TfliteLibrary, tpu.TfliteVersion);
        Library(output, tpu.EdgeTpuLibrary, tpu.EdgeTpuVersion);
        output.WriteLine($"  {"libusb-1.0.so.0",-24} {libusbVersion ?? "not found (install Debian libusb-1.0-0)"}");
        if (tpu.Versions is { } versions) output.WriteLine($"  versions: {versions.Message}");

        output.WriteLine("Engines");
        output.WriteLine(tpu.Usable
            ? $"  {"edgetpu",-9} available    {tpu.Devices.Count} Edge TPU{(tpu.Devices.Count == 1 ? "" : "s")}, libedgetpu {tpu.EdgeTpuVersion ?? "(version not read)"}"
            : $"  {"edgetpu",-9} unavailable  {tpu.Problem}");
        output.WriteLine(onnx.Version is { } version
            ? $"  {"onnx",-9} available    CPU, ONNX Runtime {version}"
            : $"  {"onnx",-9} unavailable  {onnx.Problem}");
        output.WriteLine(onnx.Version is { } int8Version
            ? $"  {"onnx-int8",-9} available    CPU, ONNX Runtime {int8Version}, for packages with an int8 ONNX model (dipper compile --target cpu)"
            : $"  {"onnx-int8",-9} unavailable  {onnx.Problem}");
        output.WriteLine(tpu.TfliteLibrary.Found
            ? $"  {"tflite",-9} available    CPU, TensorFlow Lite {tpu.TfliteVersion ?? "(version not read)"}"
            : $"  {"tflite",-9} unavailable  libtensorflowlite_c.so not found");

        var rows = Rows(tpu);
        output.WriteLine($"Edge TPUs: {rows.Count}");
        foreach (var row in rows) output.WriteLine(row);
        if (tpu.Discovered is { Problems.Count: > 0 } scan)
        {
            foreach (var problem in scan.Problems) output.WriteLine($"  note: {problem}");
        }
    }

    private static void Library(TextWriter output, NativeLibraryLocation location, string? version)
    {
        output.WriteLine(location.Found
            ? $"  {location.Library,-24} {version ?? "(version not read)"}  {location.LoadedFrom}"
            : $"  {location.Library,-24} not found (tried {string.Join("; ", location.Tried)})");
    }

    private static List<string> Rows(EdgeTpuAvailability tpu)
    {
        var discovered = tpu.Discovered?.Devices ?? [];
        var rows = new List<string>();
        foreach (var device in tpu.Devices)
        {
            var seen = discovered.FirstOrDefault(c => c.Path == device.Path);
            rows.Add(Row(device.Type == EdgeTpuDeviceType.Usb ? "usb" : "pci", device.Path, seen is null ? "present" : State(seen), "listed"));
        }
        foreach (var coral in discovered.Where(c => tpu.Devices.All(d => d.Path != c.Path)))
            rows.Add(Row(coral.Bus == CoralBus.Usb ? "usb" : "pci", coral.Path, State(coral), "not listed (check udev rules and permissions)"));
        return rows;
    }

    private static string Row(string bus, string path, string state, string listed) =>
        $"  {bus,-4} {path,-32} {state,-28} libedgetpu: {listed}";

    private static string State(CoralDevice coral)
    {
        var state = coral.State switch
        {
            CoralState.NeedsFirmware => "needs firmware",
            CoralState.Ready => "ready",
            _ => "bound",
        };
        if (coral.UsbId is not null) state += $" ({coral.UsbId})";
        if (coral.TemperatureCelsius is { } t) state += string.Create(CultureInfo.InvariantCulture, $", {t:0.0} °C");
        return state;
    }
}
