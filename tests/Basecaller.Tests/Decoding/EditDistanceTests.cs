using Dipper.Basecaller.Decoding;

namespace Dipper.Basecaller.Tests.Decoding;

public class EditDistanceTests
{
    [Theory]
    [InlineData("", "", 0)]
    [InlineData("ACGT", "", 4)]
    [InlineData("ACGT", "ACGT", 0)]
    [InlineData("ACGT", "AGT", 1)]
    [InlineData("ACGT", "ACCGT", 1)]
    [InlineData("ACGT", "TCGA", 2)]
    [InlineData("kitten", "sitting", 3)]
    public void Distance_counts_substitutions_insertions_and_deletions(string a, string b, int distance)
    {
        Assert.Equal(distance, EditDistance.Between(a, b));
        Assert.Equal(distance, EditDistance.Between(b, a));
    }

    [Fact]
    public void Identity_is_one_minus_distance_over_the_longer_call()
    {
        Assert.Equal(1.0, EditDistance.Identity("", ""));
        Assert.Equal(0.8, EditDistance.Identity("ACGTA", "ACGT"), 12);
        Assert.Equal(0.0, EditDistance.Identity("AAAA", "CCCC"));
    }
}
