using System.CommandLine;
using Dipper.Device.Commands;
using Dipper.Device.Service;

namespace Dipper.Device.Tests.Service;

public sealed class RunSettingsTests
{
    [Fact]
    public void Ignore_chemistry_on_the_command_line_becomes_the_service_setting()
    {
        var on = new RunSettings { IgnoreChemistry = true }.Overrides().ToList();
        Assert.Contains(new KeyValuePair<string, string?>("Service:IgnoreChemistry", "true"), on);
        // Without the option the configured value stands (appsettings.json says false; a config file may say true).
        Assert.DoesNotContain(new RunSettings().Overrides(), o => o.Key == "Service:IgnoreChemistry");
    }

    [Fact]
    public void Run_command_accepts_ignore_chemistry_as_an_option_not_a_configuration_key()
    {
        var parsed = new RootCommand { RunCommand.Create() }.Parse(["run", "--ignore-chemistry"]);
        Assert.Empty(parsed.Errors);
        Assert.Empty(parsed.UnmatchedTokens);
        Assert.True(parsed.GetValue<bool>("--ignore-chemistry"));
    }

    [Fact]
    public void Chunk_and_overlap_on_the_command_line_become_service_settings_and_are_checked_against_the_model()
    {
        var parsed = new RootCommand { RunCommand.Create() }.Parse(["run", "--chunk", "5400", "--overlap", "300"]);
        Assert.Empty(parsed.Errors);
        Assert.Empty(parsed.UnmatchedTokens);
        var overrides = new RunSettings { Chunk = 5400, Overlap = 300 }.Overrides().ToList();
        Assert.Contains(new KeyValuePair<string, string?>("Service:Chunk", "5400"), overrides);
        Assert.Contains(new KeyValuePair<string, string?>("Service:Overlap", "300"), overrides);
        // Without them the model manifest's chunking stands.
        Assert.DoesNotContain(new RunSettings().Overrides(), o => o.Key is "Service:Chunk" or "Service:Overlap");
    }

    [Fact]
    public void Service_overlap_that_is_not_whole_frames_stops_the_service_at_start_naming_the_settings()
    {
        var root = Directory.CreateTempSubdirectory("dipper-chunk-").FullName;
        try
        {
            var options = new ServiceOptions
            {
                InputFolders = [Directory.CreateDirectory(Path.Combine(root, "in")).FullName],
                OutputFolder = Path.Combine(root, "out"),
                StateFolder = Path.Combine(root, "state"),
                Model = Basecaller.Tests.Models.PackageFixture.Committed,
                Overlap = 500,
            };
            var result = new ServiceOptionsValidator().Validate(null, options);
            Assert.True(result.Failed);
            Assert.Contains("Service:Chunk/Service:Overlap", result.FailureMessage);
            Assert.Contains("overlap 500 must be a multiple of twice the stride (6)", result.FailureMessage);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
