using Dipper.Compiler.Labelling;

namespace Dipper.Compiler.Tests.Labelling;

public class ReadAlignmentTests
{
    // A PAF line as minimap2 -c writes it: 12 columns, then tags.
    private static string Paf(char strand, string cigar, string type = "P") =>
        $"read1\t10\t2\t8\t{strand}\tchr\t1000\t100\t105\t4\t6\t60\tNM:i:2\ttp:A:{type}\tcg:Z:{cigar}";

    [Fact]
    public void Forward_alignment_maps_bases_in_order_and_leaves_insertions_and_clipped_ends_unmapped()
    {
        var a = ReadAlignment.ParsePaf(Paf('+', "2M1I1M1D1M"));
        // 2M1I1M1D1M uses 2+1+1+1 = 5 read bases and 2+1+1+1 = 5 reference bases: the line's spans say 6 and 5.
        Assert.Throws<FormatException>(() => a.ReferencePositions());

        // Read bases 2..7 on reference 100..105: 2M (2, 3 → 100, 101), 1I (4), 1M (5 → 102), 1D (103), 2M (6, 7 → 104, 105).
        var good = ReadAlignment.ParsePaf(Paf('+', "2M1I1M1D2M").Replace("\t105\t", "\t106\t"));
        Assert.Equal([-1, -1, 100, 101, -1, 102, 104, 105, -1, -1], good.ReferencePositions());
        Assert.Equal(4.0 / 6, good.Identity, 12);
        Assert.True(good.Primary);
        Assert.False(good.Reverse);
    }

    [Fact]
    public void Reverse_alignment_maps_the_reads_last_aligned_base_to_the_first_reference_base()
    {
        var a = ReadAlignment.ParsePaf(Paf('-', "2M1I1M1D2M").Replace("\t105\t", "\t106\t"));
        // The CIGAR walks the reverse complement: its position p is read base 9 − p, starting at p = 10 − 8 = 2.
        Assert.Equal([-1, -1, 105, 104, 102, -1, 101, 100, -1, -1], a.ReferencePositions());
    }

    [Fact]
    public void Supplementary_alignments_are_not_primary_and_a_line_without_cigar_is_refused()
    {
        Assert.False(ReadAlignment.ParsePaf(Paf('+', "6M", "S")).Primary);
        var e = Assert.Throws<FormatException>(() => ReadAlignment.ParsePaf("read1\t10\t2\t8\t+\tchr\t1000\t100\t106\t6\t6\t60\ttp:A:P"));
        Assert.Contains("-c", e.Message);
    }
}
