using System.Diagnostics;

namespace Dipper.Device.Tests.Status;

/// <summary>Headless Chromium (Debian package <c>chromium</c>) run on a page: its DOM after the scripts ran, or a screenshot.</summary>
internal sealed class HeadlessChromium(string program, string profileFolder)
{
    /// <summary>Milliseconds of page time the scripts get before the DOM is taken: two of the page's 2-second refreshes.</summary>
    private const int ScriptTime = 5000;

    /// <summary>Chromium on the PATH, or a failed assertion saying what to install.</summary>
    public static HeadlessChromium Find(string profileFolder)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var program = new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => path.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(folder => Path.Combine(folder, name)))
            .FirstOrDefault(File.Exists);
        Assert.True(program is not null, "headless Chromium is needed: apt-get install chromium (.ci/run installs it)");
        return new HeadlessChromium(program, Directory.CreateDirectory(profileFolder).FullName);
    }

    /// <summary>The page's DOM, serialised, once its scripts have run.</summary>
    public async Task<string> DomAsync(Uri page)
    {
        var (output, errors) = await RunAsync("--dump-dom", page.ToString());
        Assert.True(output.Contains("<body", StringComparison.Ordinal), $"no page rendered; chromium said: {errors}");
        return output;
    }

    /// <summary>Writes a PNG of the page, <paramref name="width"/> × <paramref name="height"/> pixels, to <paramref name="png"/>.</summary>
    public async Task ScreenshotAsync(Uri page, string png, int width = 1280, int height = 2000)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(png)!);
        File.Delete(png);
        var (_, errors) = await RunAsync($"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars", page.ToString());
        Assert.True(File.Exists(png), $"no screenshot written; chromium said: {errors}");
    }

    private async Task<(string Output, string Errors)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={profileFolder}", $"--virtual-time-budget={ScriptTime}",
                 }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (await output, await errors);
    }
}
