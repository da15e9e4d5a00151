namespace Dipper.Device.Status;

/// <summary>
/// The status page: an HTML file that polls <c>/status</c> and the script that draws its charts
/// (<c>/charts.js</c>), both embedded in the program so the appliance serves them with no files beside it.
/// </summary>
public static class StatusPage
{
    /// <summary>The page's HTML.</summary>
    public static string Html { get; } = Load("StatusPage.html");

    /// <summary>The chart drawing script the page loads.</summary>
    public static string Charts { get; } = Load("StatusCharts.js");

    private static string Load(string name)
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream($"Dipper.Device.Status.{name}")
            ?? throw new InvalidOperationException($"{name} of the status page is missing from the program's resources");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
