namespace Dipper.Basecaller.Decoding;

/// <summary>
/// The network's output classes and which of them is the CTC blank, taken from the model manifest
/// so decoders work for any alphabet the compiler packages (DNA "NACGT", RNA, modified bases).
/// </summary>
public sealed class CtcAlphabet
{
    /// <summary>Creates the alphabet; <paramref name="symbols"/>[<paramref name="blank"/>] is the blank.</summary>
    public CtcAlphabet(string symbols, int blank)
    {
        ArgumentException.ThrowIfNullOrEmpty(symbols);
        if (symbols.Length < 2) throw new ArgumentException("an alphabet needs a blank and at least one base", nameof(symbols));
        ArgumentOutOfRangeException.ThrowIfNegative(blank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(blank, symbols.Length);
        Symbols = symbols;
        Blank = blank;
    }

    /// <summary>One character per output class, in the network's order.</summary>
    public string Symbols { get; }

    /// <summary>Index of the blank class.</summary>
    public int Blank { get; }

    /// <summary>Number of output classes per frame, blank included.</summary>
    public int Classes => Symbols.Length;
}
