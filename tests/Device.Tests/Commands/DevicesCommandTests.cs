using System.Reflection;
using System.Text.RegularExpressions;
using Dipper.Basecaller.Inference;
using Dipper.Device.Tests.Service;
using Microsoft.ML.OnnxRuntime;

namespace Dipper.Device.Tests.Commands;

/// <summary>Runs <c>dipperd devices</c> as a real process on this machine (no Edge TPU here).</summary>
public sealed class DevicesCommandTests
{
    [Fact]
    public async Task Devices_lists_every_engine_with_the_version_of_the_library_it_runs_on()
    {
        using var dipperd = new DipperdProcess(["devices"]);
        Assert.True(await dipperd.WaitForExitAsync(TimeSpan.FromSeconds(60)), dipperd.Output);
        Assert.True(dipperd.ExitCode == 0, dipperd.Output);
        // Each line as printed, without the time DipperdProcess puts before it.
        var lines = dipperd.Output.Split('\n').Select(l => Regex.Replace(l, @"^\d\d:\d\d:\d\d\.\d{3} ", "").Trim()).ToArray();

        // The version the native ONNX Runtime reports must be the one of the NuGet package the build references.
        var package = typeof(InferenceSession).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!
            .InformationalVersion.Split('+')[0];
        Assert.Contains(lines, l => Regex.IsMatch(l, $@"^onnx +available +CPU, ONNX Runtime {Regex.Escape(package)}$"));
        var library = Assert.Single(lines, l => l.StartsWith(OnnxRuntimeLibrary.FileName, StringComparison.Ordinal));
        Assert.Contains($" {package} ", library);
        Assert.True(File.Exists(library[library.IndexOf('/', StringComparison.Ordinal)..]), library);

        Assert.Contains(lines, l => Regex.IsMatch(l, @"^tflite +available +CPU, TensorFlow Lite \d+\.\d+\.\d+$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^edgetpu +unavailable +Edge TPU unavailable"));
        foreach (var engine in EngineFactory.KnownEngines)
            Assert.Single(lines, l => l.StartsWith(engine + " ", StringComparison.Ordinal));
    }
}
