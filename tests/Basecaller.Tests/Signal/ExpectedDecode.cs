namespace Dipper.Basecaller.Tests.Signal;
internal static class ExpectedDecode
{
    public static string DataDir => Path.Combine(AppContext.BaseDirectory, "data", "formats");
    public static string Line(Dipper.Basecaller.Signal.Read r) =>
        $"{r.ReadId}\t{r.Signal.Length}\t{r.Signal.Sum(s => (long)s)}\t{string.Join(',', r.Signal.Take(5))}";
    public static IReadOnlyList<string> Load(string name) =>
        File.ReadAllLines(Path.Combine(DataDir, "expected", name + ".tsv")).Where(l => l.Length > 0).ToArray();
}
