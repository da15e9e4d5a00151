namespace Dipper.Device.Gpio;

/// <summary>One segment of a blink pattern: show <paramref name="Colour"/> for <paramref name="Duration"/>.</summary>
/// <param name="Colour">What the LED shows during the step.</param>
/// <param name="Duration">How long the step lasts.</param>
public readonly record struct BlinkStep(LedColour Colour, TimeSpan Duration);
