using System.Globalization;

namespace Dipper.Compiler.Labelling;

/// <summary>
/// One line of minimap2's PAF output with its CIGAR (<c>cg:Z:</c>, written with <c>-c</c>): where a called
/// read lies on the reference. Coordinates are 0-based, ends exclusive; query coordinates are on the read
/// as called, whichever strand it maps to.
/// </summary>
/// <param name="ReadId">The query name: the read id the calls were written under.</param>
/// <param name="QueryLength">Called bases in the read.</param>
/// <param name="QueryStart">First aligned base of the read.</param>
/// <param name="QueryEnd">One past the last aligned base.</param>
/// <param name="Reverse">True when the read is the reverse complement of the reference.</param>
/// <param name="Target">Reference sequence name.</param>
/// <param name="TargetStart">First aligned reference base.</param>
/// <param name="TargetEnd">One past the last aligned reference base.</param>
/// <param name="Matches">Matching bases in the alignment.</param>
/// <param name="BlockLength">Alignment columns (matches, mismatches, insertions and deletions).</param>
/// <param name="Primary">True for minimap2's primary alignment (<c>tp:A:P</c>).</param>
/// <param name="Cigar">The CIGAR along the reference, forward strand (M, I, D; = and X accepted).</param>
public sealed record ReadAlignment(string ReadId, int QueryLength, int QueryStart, int QueryEnd, bool Reverse,
    string Target, int TargetStart, int TargetEnd, int Matches, int BlockLength, bool Primary, string Cigar)
{
    /// <summary>Matches over alignment columns: the identity bonito and minimap2 report (BLAST identity).</summary>
    public double Identity => BlockLength == 0 ? 0 : (double)Matches / BlockLength;

    /// <summary>Parses one PAF line.</summary>
    /// <exception cref="FormatException">Fewer than 12 columns, a number that is not one, or no <c>cg:Z:</c> tag.</exception>
    public static ReadAlignment ParsePaf(string line)
    {
        var f = line.Split('\t');
        if (f.Length < 12) throw new FormatException($"a PAF line has 12 or more tab-separated columns, this one {f.Length}: '{line}'");
        var primary = true;
        string? cigar = null;
        foreach (var tag in f.AsSpan(12))
        {
            if (tag.StartsWith("tp:A:", StringComparison.Ordinal)) primary = tag == "tp:A:P";
            else if (tag.StartsWith("cg:Z:", StringComparison.Ordinal)) cigar = tag[5..];
        }
        if (cigar is null) throw new FormatException($"PAF line for '{f[0]}' has no cg:Z: CIGAR (run minimap2 with -c)");
        return new ReadAlignment(f[0], Int(f[1]), Int(f[2]), Int(f[3]), f[4] == "-", f[5], Int(f[7]), Int(f[8]), Int(f[9]), Int(f[10]), primary, cigar);
    }

    /// <summary>
    /// For each called base of the read (by its index in the call), the reference position it is aligned to,
    /// or −1 where it is not aligned to one (an insertion, or outside the aligned part).
    /// </summary>
    /// <exception cref="FormatException">The CIGAR has an unknown operation or disagrees with the alignment's spans.</exception>
    public int[] ReferencePositions()
    {
        var at = new int[QueryLength];
        Array.Fill(at, -1);
        // The CIGAR walks the reference forwards and the read as aligned: the read itself on '+',
        // its reverse complement on '-', whose position p is base QueryLength − 1 − p of the read.
        var p = Reverse ? QueryLength - QueryEnd : QueryStart;
        var t = TargetStart;
        var count = 0;
        foreach (var c in Cigar)
        {
            if (char.IsAsciiDigit(c))
            {
                count = checked(count * 10 + (c - '0'));
                continue;
            }
            switch (c)
            {
                case 'M' or '=' or 'X':
                    for (var i = 0; i < count; i++, p++, t++)
                        at[Reverse ? QueryLength - 1 - p : p] = t;
                    break;
                case 'I':
                    p += count;
                    break;
                case 'D' or 'N':
                    t += count;
                    break;
                default:
                    throw new FormatException($"read {ReadId}: CIGAR operation '{c}' is not one minimap2 writes in PAF");
            }
            count = 0;
        }
        var end = Reverse ? QueryLength - QueryStart : QueryEnd;
        if (p != end || t != TargetEnd)
            throw new FormatException($"read {ReadId}: the CIGAR spans read {p} and reference {t}, the alignment says {end} and {TargetEnd}");
        return at;
    }

    private static int Int(string s) => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
}
