namespace Dipper.Basecaller.Signal;

/// <summary>
/// Converts the sequencer's raw ADC counts into picoamperes: pA = (raw + <see cref="Offset"/>) × <see cref="Scale"/>.
/// Kept beside the raw samples rather than applied to them, because the raw int16 values are what the
/// files store losslessly and what the base caller normalises; pA is needed only for sanity checks and
/// for models trained on calibrated current.
/// </summary>
/// <param name="Offset">Added to each raw sample before scaling (ADC counts).</param>
/// <param name="Scale">pA per ADC count. FAST5 and SLOW5 store range / digitisation; POD5 stores it directly.</param>
public readonly record struct SignalCalibration(double Offset, double Scale)
{
    /// <summary>Builds the calibration from the FAST5/SLOW5 triple, where scale is range divided by digitisation.</summary>
    public static SignalCalibration FromRange(double offset, double range, double digitisation) =>
        new(offset, digitisation == 0 ? double.NaN : range / digitisation);

    /// <summary>One raw sample in picoamperes.</summary>
    public double ToPicoamps(short raw) => (raw + Offset) * Scale;
}
