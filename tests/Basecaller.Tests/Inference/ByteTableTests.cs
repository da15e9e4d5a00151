using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Dipper.Basecaller.Inference;
using Xunit.Abstractions;

namespace Dipper.Basecaller.Tests.Inference;

public class ByteTableTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(127)]
    [InlineData(4_801)]
    public void Every_value_of_every_length_is_looked_up_in_the_table(int length)
    {
        log.WriteLine($"vector path: {(Avx512Vbmi.IsSupported ? "AVX-512 VBMI" : AdvSimd.Arm64.IsSupported ? "AdvSimd TBL/TBX" : "none (scalar)")}");
        var random = new Random(length);
        var table = new byte[ByteTable.Entries];
        random.NextBytes(table);
        var input = new byte[length];
        random.NextBytes(input);
        // Every byte value once, where it fits: both halves of the table and all four quarters are read.
        for (var i = 0; i < Math.Min(length, 256); i++) input[i] = (byte)(255 - i);
        var output = new byte[length];

        ByteTable.Apply(input, table, output);

        for (var i = 0; i < length; i++) Assert.True(table[input[i]] == output[i], $"value {i}: table[{input[i]}] is {table[input[i]]}, got {output[i]}");
    }

    [Fact]
    public void A_table_of_other_than_256_entries_and_an_overlapping_output_are_refused()
    {
        var values = new byte[100];
        var short_ = Assert.Throws<ArgumentException>(() => ByteTable.Apply(values, new byte[255], new byte[100]));
        Assert.Contains("255", short_.Message);
        Assert.Throws<ArgumentException>(() => ByteTable.Apply(values, new byte[256], new byte[99]));
        var overlap = Assert.Throws<ArgumentException>(() => ByteTable.Apply(values.AsSpan(0, 80), new byte[256], values.AsSpan(10, 80)));
        Assert.Contains("overlap", overlap.Message);
    }
}
