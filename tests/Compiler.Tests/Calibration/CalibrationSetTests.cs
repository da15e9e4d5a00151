using Dipper.Basecaller.Models;
using Dipper.Compiler.Calibration;

namespace Dipper.Compiler.Tests.Calibration;

public class CalibrationSetTests
{
    private static ModelManifest Manifest => ModelPackage.Load(TestData.PackageFolder).Manifest;

    [Fact]
    public async Task Chunks_and_held_out_reads_come_from_different_reads()
    {
        var set = await CalibrationSet.LoadAsync([TestData.Reads], Manifest,
            new CalibrationSetOptions { CalibrationChunks = 40, ChunksPerRead = 5, VerificationReads = 2 }, CancellationToken.None);

        Assert.Equal(40, set.Chunks.Count);
        Assert.All(set.Chunks, c => Assert.Equal(1800, c.Length));
        Assert.Equal(2, set.HeldOut.Count);
        Assert.Equal(8, set.CalibrationReads);
        // Normalised and clipped as the appliance does it.
        Assert.All(set.Chunks, c => Assert.InRange(c.Max(Math.Abs), 0.5f, 2.5f));
        var heldOutSignals = set.HeldOut.Select(r => r.Signal).ToList();
        Assert.DoesNotContain(set.Chunks, chunk => heldOutSignals.Any(s => s.AsSpan().IndexOf(chunk) >= 0));
    }

    [Fact]
    public async Task Reads_the_model_cannot_take_and_damaged_files_are_skipped_with_reasons()
    {
        var formats = Path.Combine(AppContext.BaseDirectory, "data", "formats");
        var set = await CalibrationSet.LoadAsync(
            [Path.Combine(formats, "bad", "bad_header_length.blow5"), Path.Combine(formats, "pod5", "r10_5khz_one_read.pod5"), TestData.Reads],
            Manifest, new CalibrationSetOptions { CalibrationChunks = 8, VerificationReads = 1 }, CancellationToken.None);

        Assert.Equal(8, set.Chunks.Count);
        Assert.True(set.Problems.Any(p => p.Contains("5000 Hz is not one the model was trained for", StringComparison.Ordinal)), string.Join("\n", set.Problems));
        Assert.True(set.Problems.Any(p => p.Contains("bad_header_length.blow5", StringComparison.Ordinal)), string.Join("\n", set.Problems));
    }

    [Fact]
    public async Task A_folder_without_usable_reads_is_refused()
    {
        var empty = Directory.CreateTempSubdirectory("dipper-calibration-").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<InvalidDataException>(() =>
                CalibrationSet.LoadAsync([empty], Manifest, new CalibrationSetOptions(), CancellationToken.None));
            Assert.Contains("no usable reads", e.Message);
        }
        finally
        {
            Directory.Delete(empty, true);
        }
    }
}
