using System.CommandLine;
using Dipper.Device.Commands;
using Dipper.Device.Gpio;
using Dipper.Device.Service;
using Dipper.Device.Status;
using Dipper.Device.Thermal;
using Microsoft.Extensions.Configuration;

namespace Dipper.Device.Tests.Commands;

public sealed class RunCommandTests
{
    [Theory]
    [InlineData("--inptu", "/data")]
    [InlineData("--Threads=2")]
    [InlineData("/data/run1")]
    [InlineData("--Service:", "x")]
    [InlineData("--Service:Threads")]
    public void Words_that_are_neither_options_nor_Section_Key_settings_are_unknown(params string[] tokens)
    {
        Assert.Equal(tokens[0], RunCommand.UnknownOption(tokens));
    }

    [Fact]
    public void Section_Key_settings_with_or_without_an_equals_sign_are_taken()
    {
        Assert.Null(RunCommand.UnknownOption(["--Service:StabilityDelay=00:00:02", "--Logging:LogLevel:Default", "Warning"]));
    }

    [Fact]
    public async Task Misspelt_option_exits_2_before_anything_starts()
    {
        var root = new RootCommand { RunCommand.Create() };
        var errors = new StringWriter();
        var saved = Console.Error;
        Console.SetError(errors);
        int exit;
        try
        {
            // Would start the service if the misspelt option were taken as a configuration key.
            exit = await root.Parse(["run", "--inptu", "/no/such/run", "--output", "/no/such/out"]).InvokeAsync();
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Equal(2, exit);
        Assert.Contains("unknown option '--inptu'", errors.ToString());
    }

    [Theory]
    [InlineData("dipperd.json")]
    [InlineData("appsettings.json")]
    public void Every_setting_the_shipped_configuration_holds_is_read_by_dipperd_run(string file)
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "shipped", file)).Build();
        var read = new Dictionary<string, Type>
        {
            [ServiceOptions.Section] = typeof(ServiceOptions),
            [StatusOptions.Section] = typeof(StatusOptions),
            [OutputOptions.Section] = typeof(OutputOptions),
            [GpioOptions.SectionName] = typeof(GpioOptions),
            [ThermalOptions.SectionName] = typeof(ThermalOptions),
        };
        foreach (var section in configuration.GetChildren())
        {
            if (section.Key == "Logging") continue; // the host's own
            Assert.True(read.TryGetValue(section.Key, out var type), $"{file}: section {section.Key} is read by no one");
            // The keys the binder fills: settable properties, by their configuration name when they have one.
            var keys = type.GetProperties().Where(p => p.CanWrite)
                .Select(p => p.GetCustomAttributes(typeof(ConfigurationKeyNameAttribute), false).Cast<ConfigurationKeyNameAttribute>().FirstOrDefault()?.Name ?? p.Name)
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var key in section.GetChildren().Select(c => c.Key))
                Assert.True(keys.Contains(key), $"{file}: {section.Key}:{key} is read by no one");
            Assert.NotNull(section.Get(type));
        }
    }
}
