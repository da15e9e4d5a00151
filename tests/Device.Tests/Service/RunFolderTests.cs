using Dipper.Device.Service;

namespace Dipper.Device.Tests.Service;

public sealed class RunFolderTests
{
    [Theory]
    [InlineData("exp1/sample1/20240101_1200_MN12345_FAN12345_abcdef12/pod5", "exp1/sample1/20240101_1200_MN12345_FAN12345_abcdef12")]
    [InlineData("run1/fast5_pass", "run1")]
    [InlineData("run1/pod5_fail/barcode07", "run1")]
    [InlineData("run1/pod5_pass/unclassified", "run1")]
    [InlineData("run1/POD5_SKIP", "run1")]
    [InlineData("run1/reads", "run1/reads")]
    [InlineData("run1/barcode01", "run1/barcode01")]
    [InlineData("pod5", RunFolder.Top)]
    [InlineData("", RunFolder.Top)]
    public void MinKNOW_data_and_barcode_folders_are_taken_off_the_end(string relativeFolder, string runFolder)
    {
        Assert.Equal(runFolder, RunFolder.Of(relativeFolder));
    }

    [Fact]
    public void With_several_input_folders_the_run_folder_is_named_under_its_input_folder()
    {
        var layout = new OutputLayout(["/mnt/a/data", "/mnt/b/usb"], "/calls");

        Assert.Equal("usb/run7", layout.RunFolderFor("/mnt/b/usb/run7/pod5/PAK_0.pod5"));
        Assert.Equal("data", layout.RunFolderFor("/mnt/a/data/PAK_1.pod5"));
        Assert.Null(layout.RunFolderFor("/elsewhere/run7/PAK_0.pod5"));
    }

    [Fact]
    public void With_one_input_folder_the_run_folder_is_relative_to_it()
    {
        var layout = new OutputLayout(["/data"], "/calls");

        Assert.Equal("run1", layout.RunFolderFor("/data/run1/fast5_pass/r0.fast5"));
        Assert.Equal(RunFolder.Top, layout.RunFolderFor("/data/r0.fast5"));
    }
}
