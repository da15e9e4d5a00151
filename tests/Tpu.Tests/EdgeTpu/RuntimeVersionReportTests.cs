using Dipper.Tpu.EdgeTpu;

namespace Dipper.Tpu.Tests.EdgeTpu;

public sealed class RuntimeVersionReportTests
{
    private const string Grouper = "BuildLabel(COMPILER=6.3.0 20170516,DATE=redacted,TIME=redacted,CL_NUMBER=374217349), RuntimeVersion(16)";

    [Fact]
    public void A_tensorflow_version_in_the_version_string_is_trusted_first()
    {
        var r = RuntimeVersionReport.Compare("2.16.1", "BuildLabel(COMPILER=gcc 12,DATE=x,TIME=y,CL_NUMBER=0,TF=2.16.1), RuntimeVersion(16)", "16.0tf2.9.0-1");
        Assert.Equal(VersionAgreement.Match, r.Agreement);
        Assert.Equal(VersionBasis.VersionString, r.Basis);
        Assert.Equal(16, r.RuntimeNumber);
    }

    [Fact]
    public void The_debian_package_version_names_the_tensorflow_of_current_builds()
    {
        var r = RuntimeVersionReport.Compare("2.9.0", Grouper, "16.0tf2.16.1-1");
        Assert.Equal(VersionAgreement.Mismatch, r.Agreement);
        Assert.Equal(VersionBasis.DebianPackage, r.Basis);
        Assert.Equal("2.16.1", r.EdgeTpuTensorFlowVersion);
        Assert.Contains("built for TensorFlow 2.16.1", r.Message);
        Assert.Contains("TFLite C library is 2.9.0", r.Message);
        Assert.Contains("Unsupported data type in custom op handler", r.Message);
    }

    [Fact]
    public void Only_major_and_minor_are_compared()
    {
        Assert.Equal(VersionAgreement.Match, RuntimeVersionReport.Compare("2.16.2", Grouper, "16.0tf2.16.1-1").Agreement);
    }

    [Fact]
    public void Without_a_named_version_coral_release_table_is_used_and_said_to_be_an_assumption()
    {
        var r = RuntimeVersionReport.Compare("2.5.0", Grouper);
        Assert.Equal(VersionAgreement.Match, r.Agreement);
        Assert.Equal(VersionBasis.ReleaseTable, r.Basis);
        Assert.Contains("assumed", r.Message);
        Assert.Equal(VersionAgreement.Mismatch, RuntimeVersionReport.Compare("2.9.0", Grouper).Agreement);
    }

    [Fact]
    public void An_unknown_runtime_number_gives_an_unknown_verdict_that_says_what_is_needed()
    {
        var r = RuntimeVersionReport.Compare("2.9.0", "BuildLabel(COMPILER=x), RuntimeVersion(99)");
        Assert.Equal(VersionAgreement.Unknown, r.Agreement);
        Assert.Equal(VersionBasis.None, r.Basis);
        Assert.Contains("TensorFlow 2.9", r.Message);
        Assert.Null(RuntimeVersionReport.Compare("2.9.0", "weird").RuntimeNumber);
    }

    [Fact]
    public void The_installed_libedgetpu_package_is_read_from_dpkg_status()
    {
        var status = Path.Combine(Path.GetTempPath(), $"dipper-dpkg-{Guid.NewGuid():N}");
        File.WriteAllText(status, """
            Package: libusb-1.0-0
            Status: install ok installed
            Version: 2:1.0.26-1

            Package: libedgetpu1-max
            Status: deinstall ok config-files
            Version: 16.0

            Package: libedgetpu1-std
            Status: install ok installed
            Architecture: arm64
            Version: 16.0tf2.16.1-1
            """);
        try
        {
            Assert.Equal("16.0tf2.16.1-1", RuntimeVersionReport.ReadDebianPackageVersion(status));
            Assert.Null(RuntimeVersionReport.ReadDebianPackageVersion(status + ".missing"));
        }
        finally
        {
            File.Delete(status);
        }
    }
}
