namespace Dipper.Basecaller.Signal;

/// <summary>
/// A signal file is damaged, truncated, still being written, or not in a format Dipper reads.
/// Carries where the damage is (file, byte offset or record, read id when known) so an operator
/// can find it, and so the service can set the file aside instead of retrying it forever.
/// Readers deliver every read they can decode whole before raising this; a read is never handed
/// out half-decoded.
/// </summary>
public class SignalFormatException : IOException
{
    /// <summary>Creates the error for a place in a file.</summary>
    public SignalFormatException(string path, string problem, long? offset = null, string? readId = null,
        Exception? inner = null, IReadOnlyList<SignalFormatException>? otherDamage = null)
        : base(Describe(path, problem, offset, readId, otherDamage?.Count ?? 0), inner)
    {
        Path = path;
        Problem = problem;
        Offset = offset;
        ReadId = readId;
        OtherDamage = otherDamage ?? [];
    }

    /// <summary>The file that is damaged.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>Byte offset of the damage (or of the record that holds it), when known.</summary>
    public long? Offset { get; }

    /// <summary>Id of the read whose data is damaged, when known.</summary>
    public string? ReadId { get; }

    /// <summary>Further independent damage found later in the same file (records skipped after this one).</summary>
    public IReadOnlyList<SignalFormatException> OtherDamage { get; }

    private static string Describe(string path, string problem, long? offset, string? readId, int more)
    {
        var where = path;
        if (offset is { } o) where += $" at byte {o}";
        if (readId is not null) where += $" (read {readId})";
        var text = $"{where}: {problem}";
        return more > 0 ? $"{text} (and {more} more damaged part(s) skipped)" : text;
    }

    /// <summary>
    /// Folds the damage a reader collected while it went on past broken units into one exception:
    /// the first damage, with the rest listed. Null when there was none.
    /// </summary>
    public static SignalFormatException? Combine(IReadOnlyList<SignalFormatException> damage)
    {
        if (damage.Count == 0) return null;
        if (damage.Count == 1) return damage[0];
        var first = damage[0];
        return new SignalFormatException(first.Path, first.Problem, first.Offset, first.ReadId,
            first.InnerException, damage.Skip(1).ToArray());
    }
}
