using System.Globalization;

namespace Dipper.Device.Tests.Thermal;

/// <summary>A temporary folder laid out like /sys/class/thermal and /sys/class/apex.</summary>
internal sealed class FakeSysfs : IDisposable
{
    public FakeSysfs()
    {
        Root = Directory.CreateTempSubdirectory("dipper-sysfs-").FullName;
        ThermalRoot = Path.Combine(Root, "class", "thermal");
        ApexRoot = Path.Combine(Root, "class", "apex");
        Directory.CreateDirectory(ThermalRoot);
    }

    public string Root { get; }

    public string ThermalRoot { get; }

    public string ApexRoot { get; }

    public string Zone(int index, string type, double celsius)
    {
        var folder = Path.Combine(ThermalRoot, $"thermal_zone{index}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "type"), type + "\n");
        return SetTemp(folder, celsius);
    }

    public string Apex(int index, double celsius)
    {
        var folder = Path.Combine(ApexRoot, $"apex_{index}");
        Directory.CreateDirectory(folder);
        return SetTemp(folder, celsius);
    }

    /// <summary>Writes millidegrees the way the kernel does ("51234\n").</summary>
    public static string SetTemp(string folder, double celsius)
    {
        var path = Path.Combine(folder, "temp");
        File.WriteAllText(path, ((long)Math.Round(celsius * 1000)).ToString(CultureInfo.InvariantCulture) + "\n");
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
