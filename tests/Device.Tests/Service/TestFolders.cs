using Dipper.Device.Service;

namespace Dipper.Device.Tests.Service;

/// <summary>A temporary appliance layout: input, output and state folders and an empty configuration file.</summary>
internal sealed class TestFolders : IDisposable
{
    public TestFolders(string prefix = "dipperd-")
    {
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        Input = Directory.CreateDirectory(Path.Combine(Root, "in")).FullName;
        Output = Path.Combine(Root, "out");
        State = Path.Combine(Root, "state");
        Config = Path.Combine(Root, "dipperd.json");
        File.WriteAllText(Config, "{}");
    }

    public string Root { get; }
    public string Input { get; }
    public string Output { get; }
    public string State { get; }
    public string Config { get; }

    /// <summary>Stands in for /sys/class/thermal (empty until a test adds zones).</summary>
    public string ThermalZoneRoot => Path.Combine(Root, "sys", "class", "thermal");

    /// <summary>Stands in for /sys/class/apex.</summary>
    public string ApexRoot => Path.Combine(Root, "sys", "class", "apex");

    public static string Samples => Path.Combine(AppContext.BaseDirectory, "samples", "r94-ecoli", "fast5");
    public static string Data(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "data", .. parts]);

    public static string[] SampleFiles(int count) =>
        Directory.GetFiles(Samples, "*.fast5").Order(StringComparer.Ordinal).Take(count).ToArray();

    /// <summary>Settings for a quick in-process service: greedy, one thread, short delays, any free status port.</summary>
    public RunSettings Settings(params string[] extra) => new()
    {
        Inputs = [Input],
        Output = Output,
        State = State,
        ConfigFile = Config,
        Greedy = true,
        Threads = 1,
        StatusPort = 0,
        ConfigurationArgs =
        [
            "--Service:StabilityDelay=00:00:00.300", "--Service:RescanInterval=00:00:01",
            // The machine's own temperature must not decide a test: thermal control reads an empty fake sysfs unless a test lays one out.
            $"--Thermal:ThermalZoneRoot={ThermalZoneRoot}", $"--Thermal:ApexRoot={ApexRoot}",
            .. extra,
        ],
    };

    /// <summary>Copies a file in place under the input folder (folders created).</summary>
    public string Put(string source, string relative)
    {
        var target = Path.Combine(Input, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target);
        return target;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* a process still holds a file; the temp folder is cleaned by the system */ }
    }
}
