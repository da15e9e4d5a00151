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
}
