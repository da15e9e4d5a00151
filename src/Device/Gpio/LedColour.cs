namespace Dipper.Device.Gpio;

/// <summary>
/// One colour an RGB LED can show with plain on/off pins. A single-colour LED lights for every
/// colour except <see cref="Off"/>, so one pattern serves both kinds of LED.
/// </summary>
/// <param name="Red">Red element lit.</param>
/// <param name="Green">Green element lit.</param>
/// <param name="Blue">Blue element lit.</param>
public readonly record struct LedColour(bool Red, bool Green, bool Blue)
{
    /// <summary>All elements dark.</summary>
    public static LedColour Off => default;

    /// <summary>Red only.</summary>
    public static LedColour RedOnly => new(true, false, false);

    /// <summary>Green only.</summary>
    public static LedColour GreenOnly => new(false, true, false);

    /// <summary>Blue only.</summary>
    public static LedColour BlueOnly => new(false, false, true);

    /// <summary>Red and green.</summary>
    public static LedColour Yellow => new(true, true, false);

    /// <summary>Red and blue.</summary>
    public static LedColour Magenta => new(true, false, true);

    /// <summary>All three.</summary>
    public static LedColour White => new(true, true, true);

    /// <summary>Whether a single-colour LED is lit for this colour.</summary>
    public bool IsLit => Red || Green || Blue;
}
