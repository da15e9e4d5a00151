using Dipper.Basecaller.Signal;
using Xunit.Abstractions;

namespace Dipper.Basecaller.Tests.Signal;

/// <summary>Damaged copies of a real SLOW5 text file: no hang, only <see cref="SignalFormatException"/>, nothing invented.</summary>
public sealed class Slow5MutationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Mutated_slow5_never_hangs_never_misreports_and_keeps_whole_lines()
    {
        const int mutants = 400;
        var original = await File.ReadAllBytesAsync(Slow5ReaderTests.Slow5Path);
        var inFileOrder = (await Blow5ReaderTests.ReadAllAsync(new Slow5Reader(new MemoryStream(original), "x")))
            .Select(ExpectedDecode.Line).ToList();
        var lineEnds = Enumerable.Range(0, original.Length).Where(i => original[i] == '\n').ToArray();
        var headerEnd = lineEnds[^(inFileOrder.Count + 1)] + 1;
        var recordLineEnds = lineEnds[^inFileOrder.Count..];
        var recordLines = recordLineEnds
            .Select((end, i) => (Start: i == 0 ? headerEnd : recordLineEnds[i - 1] + 1, End: end + 1)).ToArray();
        var random = new Random(21);
        int clean = 0, reported = 0, undetectable = 0;

        for (var m = 0; m < mutants; m++)
        {
            if (m % 2 == 0)
            {
                var cut = random.Next(original.Length);
                var outcome = await Blow5MutationTests.EnumerateAsync(new Slow5Reader(new MemoryStream(original[..cut]), "x"), $"cut at {cut}");
                var whole = recordLines.Count(l => l.End <= cut);
                Assert.Equal(inFileOrder.Take(whole), outcome.Reads.Select(ExpectedDecode.Line));
                // Text has no end marker: a cut exactly after a line end (past the header) looks like a whole file.
                var atLineEnd = cut >= headerEnd && original[cut - 1] == '\n';
                if (!atLineEnd) Assert.NotNull(outcome.Error);
                reported += outcome.Error is null ? 0 : 1;
                continue;
            }

            var mutant = (byte[])original.Clone();
            var flipped = Blow5MutationTests.Flip(mutant, random);
            var result = await Blow5MutationTests.EnumerateAsync(new Slow5Reader(new MemoryStream(mutant), "x"), $"flips at {string.Join(',', flipped)}");
            // What text cannot notice: a digit changed into another digit inside a sample, the read id,
            // or a calibration number still parses. Such a changed read can only come from a changed line.
            var touched = recordLines.Count(l => flipped.Any(f => f >= l.Start && f < l.End));
            var changed = result.Reads.Count(r => !inFileOrder.Contains(ExpectedDecode.Line(r)));
            Assert.True(changed <= touched, $"flips at {string.Join(',', flipped)} changed {changed} reads on {touched} lines");
            if (result.Error is null)
            {
                Assert.Equal(inFileOrder.Count, result.Reads.Count);
                if (changed == 0) clean++; else undetectable++;
            }
            else
            {
                Assert.NotNull(result.Error.Offset);
                reported++;
            }
        }

        output.WriteLine($"{mutants} mutants: {clean} clean, {reported} reported, {undetectable} changed undetectably");
        Assert.True(clean > 0, $"clean {clean}");
        Assert.True(reported > mutants / 2, $"reported {reported}");
        Assert.True(undetectable > 0, $"undetectable {undetectable}");
    }
}
