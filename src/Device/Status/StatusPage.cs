namespace Dipper.Device.Status;

/// <summary>The status page: one self-contained HTML file (embedded in the program) that polls <c>/status</c>.</summary>
public static class StatusPage
{
    /// <summary>The page's HTML.</summary>
    public static string Html { get; } = Load();

    private static string Load()
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream("Dipper.Device.Status.StatusPage.html")
            ?? throw new InvalidOperationException("the status page is missing from the program's resources");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
