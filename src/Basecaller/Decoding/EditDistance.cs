namespace Dipper.Basecaller.Decoding;

/// <summary>
/// Levenshtein distance between two base calls, and the identity it implies. Lives beside the decoders
/// because both programs and their tests compare calls with it: <c>dipper compile</c> verifies a
/// compiled model by it, and the tests compare calls with the reference calls through it.
/// </summary>
public static class EditDistance
{
    /// <summary>Fewest substitutions, insertions and deletions turning <paramref name="a"/> into <paramref name="b"/>.</summary>
    public static int Between(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        if (a.Length < b.Length)
        {
            var t = a;
            a = b;
            b = t;
        }
        // Two rows over the shorter string: memory O(min(n, m)), time O(n·m).
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var ai = a[i - 1];
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (ai == b[j - 1] ? 0 : 1);
                var deletion = previous[j] + 1;
                var insertion = current[j - 1] + 1;
                current[j] = Math.Min(substitution, Math.Min(deletion, insertion));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>1 − distance / length of the longer call: 1 for identical calls, 0 for nothing in common; 1 when both are empty.</summary>
    public static double Identity(string a, string b)
    {
        var longer = Math.Max(a.Length, b.Length);
        return longer == 0 ? 1 : 1 - (double)Between(a, b) / longer;
    }
}
