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
}
