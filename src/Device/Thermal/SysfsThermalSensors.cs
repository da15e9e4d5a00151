namespace Dipper.Device.Thermal;

/// <summary>
/// Finds the temperature files of the board (<c>thermal_zone*/temp</c>) and of PCIe Edge TPUs
/// (<c>apex_*/temp</c>). The roots come from <see cref="ThermalOptions"/> so tests can lay out a fake
/// sysfs in a temporary folder.
/// </summary>
public static class SysfsThermalSensors
{
    /// <summary>All sensors found, board zones first, each group in name order; empty when there are none.</summary>
    public static IReadOnlyList<ThermalSensor> Discover(ThermalOptions options)
    {
        var sensors = new List<ThermalSensor>();
        foreach (var zone in Folders(options.ThermalZoneRoot, "thermal_zone*"))
        {
            var temp = Path.Combine(zone, "temp");
            if (!File.Exists(temp)) continue;
            var name = Path.GetFileName(zone);
            var typeFile = Path.Combine(zone, "type");
            try
            {
                if (File.Exists(typeFile) && File.ReadAllText(typeFile).Trim() is { Length: > 0 } type)
                    name = $"{name} ({type})";
            }
            catch (IOException)
            {
                // The type is only a label; the zone is still usable.
            }
            sensors.Add(new ThermalSensor(name, ThermalSensorKind.Board, temp));
        }
        foreach (var apex in Folders(options.ApexRoot, "*"))
        {
            var temp = Path.Combine(apex, "temp");
            if (File.Exists(temp)) sensors.Add(new ThermalSensor(Path.GetFileName(apex), ThermalSensorKind.EdgeTpu, temp));
        }
        return sensors;
    }

    private static IEnumerable<string> Folders(string root, string pattern)
    {
        if (!Directory.Exists(root)) return [];
        // sysfs entries are symlinks to device folders; Directory.Exists follows them.
        return Directory.EnumerateFileSystemEntries(root, pattern)
            .Where(Directory.Exists)
            .Order(StringComparer.Ordinal);
    }
}
