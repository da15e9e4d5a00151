using Dipper.Device.Yield;

namespace Dipper.Device.Tests.Yield;

public sealed class RunYieldsTests
{
    private static readonly RunMetadata Run1 = new("run-a", "FAN12345", "FLO-MIN106", "SQK-LSK108", "genomic_dna");

    [Fact]
    public void Each_run_folder_and_the_total_add_up_their_own_reads_and_name_their_metadata()
    {
        var yields = new RunYields();
        yields.Add("run1", [new ReadFigures(1_000, 12.4), new ReadFigures(3_000, 8.1)], [Run1]);
        yields.Add("run2", [new ReadFigures(500, 15.0)], [Run1 with { RunId = "run-b", FlowCellId = "FAN99999" }]);
        yields.Add("run1", [new ReadFigures(2_000, 12.9)], [Run1]);

        var report = yields.Report();

        var run1 = Assert.Single(report.Runs, r => r.Folder == "run1");
        Assert.Equal((3, 6_000L, 3_000), (run1.Reads, run1.Bases, run1.ReadLengthN50));
        Assert.Equal([new QualityRange(8, 1), new QualityRange(9, 0), new QualityRange(10, 0), new QualityRange(11, 0), new QualityRange(12, 2)], run1.MeanQualities);
        Assert.Equal(["run-a"], run1.RunIds);
        Assert.Equal(["FAN12345"], run1.FlowCellIds);
        Assert.Equal(["FLO-MIN106"], run1.FlowCellProductCodes);
        Assert.Equal(["SQK-LSK108"], run1.SequencingKits);
        Assert.Equal("run1", report.Runs[0].Folder); // most bases first
        Assert.Equal(RunYields.AllRuns, report.Total.Folder);
        Assert.Equal((4, 6_500L), (report.Total.Reads, report.Total.Bases));
        Assert.Equal(["run-a", "run-b"], report.Total.RunIds);
        Assert.Equal(["FAN12345", "FAN99999"], report.Total.FlowCellIds);
    }

    [Fact]
    public void Beyond_the_run_folder_limit_the_least_recently_fed_is_dropped_but_the_total_keeps_its_reads()
    {
        var yields = new RunYields();
        for (var i = 0; i <= RunYields.MaxRunFolders; i++) yields.Add($"run{i}", [new ReadFigures(100, 10)], []);

        var report = yields.Report();

        Assert.Equal(RunYields.MaxRunFolders, report.Runs.Count);
        Assert.DoesNotContain(report.Runs, r => r.Folder == "run0");
        Assert.Equal(RunYields.MaxRunFolders + 1, report.Total.Reads);
    }

    [Fact]
    public void Metadata_keeps_a_bounded_number_of_distinct_values()
    {
        var yields = new RunYields();
        for (var i = 0; i < 3 * RunYield.MaxValues; i++) yields.Add("run1", [], [Run1 with { RunId = $"run-{i:00}" }]);

        Assert.Equal(RunYield.MaxValues, yields.Report().Total.RunIds.Count);
    }
}
