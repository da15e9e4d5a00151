namespace Dipper.Device.Thermal;

/// <summary>Where a temperature comes from, for the status page and logs.</summary>
public enum ThermalSensorKind
{
    /// <summary>A kernel thermal zone (SoC, board).</summary>
    Board,

    /// <summary>A PCIe/M.2 Edge TPU's own sensor (apex driver).</summary>
    EdgeTpu,
}
