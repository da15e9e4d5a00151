using System.Text;

namespace Dipper.Compiler.Labelling;

/// <summary>
/// The reference genome a run is labelled against: each FASTA record's sequence by its name (the first word
/// of its header line, as minimap2 names targets), upper-cased so soft-masked bases label like the rest.
/// </summary>
public sealed class ReferenceSequences
{
    private readonly Dictionary<string, string> _sequences;

    private ReferenceSequences(Dictionary<string, string> sequences) => _sequences = sequences;

    /// <summary>Record names in file order.</summary>
    public IReadOnlyCollection<string> Names => _sequences.Keys;

    /// <summary>The sequence of record <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No record has that name.</exception>
    public string this[string name] => _sequences.TryGetValue(name, out var s)
        ? s
        : throw new KeyNotFoundException($"the reference has no sequence named '{name}'");

    /// <summary>Reads a FASTA file (plain text; one or more records).</summary>
    /// <exception cref="InvalidDataException">Sequence before the first header, a repeated name, or no record at all.</exception>
    public static ReferenceSequences Load(string path)
    {
        var sequences = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        var sequence = new StringBuilder();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.StartsWith('>'))
            {
                Add(sequences, name, sequence, path);
                var words = line[1..].Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 0) throw new InvalidDataException($"{path}:{lineNumber}: a FASTA header without a name");
                name = words[0];
                sequence.Clear();
            }
            else if (line.Length > 0)
            {
                if (name is null) throw new InvalidDataException($"{path}:{lineNumber}: sequence before the first '>' header: not a FASTA file");
                sequence.Append(line.Trim().ToUpperInvariant());
            }
        }
        Add(sequences, name, sequence, path);
        if (sequences.Count == 0) throw new InvalidDataException($"{path}: no FASTA record");
        return new ReferenceSequences(sequences);
    }

    private static void Add(Dictionary<string, string> sequences, string? name, StringBuilder sequence, string path)
    {
        if (name is null) return;
        if (!sequences.TryAdd(name, sequence.ToString()))
            throw new InvalidDataException($"{path}: the name '{name}' is used by two records");
    }
}
