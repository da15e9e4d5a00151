using Dipper.Device.Service;

namespace Dipper.Device.Tests.Service;

public sealed class OutputLayoutTests
{
    [Fact]
    public void Output_name_mirrors_the_input_path_and_keeps_the_signal_extension()
    {
        var layout = new OutputLayout(["/data/"], "/calls");
        Assert.Equal("/calls/run1/pod5_pass/PAK_0.pod5.fastq.gz", layout.OutputFor("/data/run1/pod5_pass/PAK_0.pod5"));
        Assert.Equal("/calls/run1/pod5_pass/PAK_0.fast5.fastq.gz", layout.OutputFor("/data/run1/pod5_pass/PAK_0.fast5"));
        Assert.Null(layout.OutputFor("/elsewhere/x.pod5"));
        Assert.Null(layout.OutputFor("/database/x.pod5"));
    }

    [Fact]
    public void Several_input_folders_each_get_a_subfolder_named_after_them()
    {
        var layout = new OutputLayout(["/mnt/a/data", "/mnt/b/usb"], "/calls");
        Assert.Equal("/calls/data/x.pod5.fastq.gz", layout.OutputFor("/mnt/a/data/x.pod5"));
        Assert.Equal("/calls/usb/x.pod5.fastq.gz", layout.OutputFor("/mnt/b/usb/x.pod5"));
    }

    [Fact]
    public void Output_folder_inside_an_input_folder_is_recognised_as_output()
    {
        var layout = new OutputLayout(["/data"], "/data/dipper");
        Assert.True(layout.IsOutput("/data/dipper/run1/x.pod5.fastq.gz"));
        Assert.False(layout.IsOutput("/data/run1/x.pod5"));
    }

    [Fact]
    public void Quality_filter_puts_outputs_in_MinKNOWs_pass_and_fail_folders_in_place_of_the_signal_folder()
    {
        var layout = new OutputLayout(["/data"], "/calls", new OutputOptions { Format = "bam", MinQScore = 9 });
        Assert.Equal("/calls/run1/bam_pass/PAK_0.pod5.bam", layout.OutputFor("/data/run1/pod5/PAK_0.pod5"));
        Assert.Equal("/calls/run1/bam_fail/PAK_0.pod5.bam", layout.FailedOutputFor("/data/run1/pod5/PAK_0.pod5"));
        Assert.Equal("/calls/run1/bam_pass/x_0.fast5.bam", layout.OutputFor("/data/run1/fast5_pass/x_0.fast5"));
        // A file not in a signal folder gets the pass/fail folders beside it.
        Assert.Equal("/calls/run1/reads/bam_pass/x.blow5.bam", layout.OutputFor("/data/run1/reads/x.blow5"));
        var fastq = new OutputLayout(["/data"], "/calls", new OutputOptions { MinQScore = 9 });
        Assert.Equal("/calls/run1/fastq_fail/PAK_0.pod5.fastq.gz", fastq.FailedOutputFor("/data/run1/pod5/PAK_0.pod5"));
    }

    [Fact]
    public void Sequencing_summary_is_kept_in_the_run_folder_and_there_is_no_fail_output_without_a_filter()
    {
        var layout = new OutputLayout(["/data"], "/calls", new OutputOptions { Format = "bam" });
        Assert.Equal("/calls/run1/pod5/PAK_0.pod5.bam", layout.OutputFor("/data/run1/pod5/PAK_0.pod5"));
        Assert.Null(layout.FailedOutputFor("/data/run1/pod5/PAK_0.pod5"));
        Assert.Equal("/calls/run1/sequencing_summary.txt", layout.SummaryFor("/data/run1/pod5/PAK_0.pod5"));
        Assert.Equal("/calls/run1/sequencing_summary.txt", layout.SummaryFor("/data/run1/x.pod5"));
        Assert.Null(new OutputLayout(["/data"], "/calls", new OutputOptions { SequencingSummary = false }).SummaryFor("/data/run1/pod5/x.pod5"));
    }
}
