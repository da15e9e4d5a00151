using System.Globalization;
using Dipper.Basecaller.Decoding;
using Dipper.Packaging.CallComparison;

// CallComparison --exact|--distance EXPECTED.fastq ACTUAL.fastq
//   --exact     every read, matched by id, has the same bases and qualities in both; exit 1 naming each difference
//   --distance  edit distance and identity of each read's bases (EditDistance, as dipper compile verifies by);
//               exit 1 only when the two files do not hold the same reads
// Exit 2: usage, or a file that is not FASTQ.
if (args.Length != 3 || args[0] is not ("--exact" or "--distance"))
{
    Console.Error.WriteLine("usage: CallComparison --exact|--distance EXPECTED.fastq ACTUAL.fastq");
    return 2;
}
Dictionary<string, FastqRecord> expected, actual;
try
{
    expected = FastqRecord.ReadAll(args[1]);
    actual = FastqRecord.ReadAll(args[2]);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"CallComparison: {e.Message}");
    return 2;
}

var problems = 0;
foreach (var id in expected.Keys.Except(actual.Keys).Order(StringComparer.Ordinal))
{
    Console.WriteLine($"  {id}: missing from {args[2]}");
    problems++;
}
foreach (var id in actual.Keys.Except(expected.Keys).Order(StringComparer.Ordinal))
{
    Console.WriteLine($"  {id}: not in {args[1]}");
    problems++;
}
if (expected.Count == 0)
{
    Console.WriteLine($"  {args[1]} holds no reads: nothing to compare");
    problems++;
}

var inv = CultureInfo.InvariantCulture;
long distanceSum = 0, basesSum = 0;
foreach (var id in expected.Keys.Intersect(actual.Keys).Order(StringComparer.Ordinal))
{
    var (e, a) = (expected[id], actual[id]);
    if (args[0] == "--exact")
    {
        var difference = Difference(e.Bases, a.Bases, "bases") ?? Difference(e.Qualities, a.Qualities, "qualities");
        Console.WriteLine($"  {id}: {difference ?? $"same {e.Bases.Length} bases and qualities"}");
        if (difference is not null) problems++;
    }
    else
    {
        var distance = EditDistance.Between(e.Bases, a.Bases);
        distanceSum += distance;
        basesSum += Math.Max(e.Bases.Length, a.Bases.Length);
        Console.WriteLine(string.Create(inv,
            $"  {id}: {e.Bases.Length} vs {a.Bases.Length} bases, edit distance {distance}, identity {EditDistance.Identity(e.Bases, a.Bases):0.0000}"));
    }
}
if (args[0] == "--distance" && basesSum > 0)
    Console.WriteLine(string.Create(inv, $"  all reads: edit distance {distanceSum} over {basesSum} bases ({(double)distanceSum / basesSum:P2})"));
return problems == 0 ? 0 : 1;

static string? Difference(string expected, string actual, string what)
{
    if (expected == actual) return null;
    var at = 0;
    while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
    return $"{what} differ from position {at} ({expected.Length} expected, {actual.Length} here)";
}
