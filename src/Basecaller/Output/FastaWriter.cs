using System.Text;

namespace Dipper.Basecaller.Output;

/// <summary>
/// FASTA: header and bases only, for tools and pipelines that do not use qualities (and a third of
/// the size of FASTQ). Same header fields as FASTQ; gzip when the name ends in <c>.gz</c>.
/// </summary>
public sealed class FastaWriter : ICalledReadWriter
{
    private readonly OutputFile _file;
    private readonly StringBuilder _line = new();

    /// <summary>Starts writing <paramref name="path"/>.</summary>
    public FastaWriter(string path) => _file = new OutputFile(path);

    /// <inheritdoc />
    public string Path => _file.Path;

    /// <inheritdoc />
    public void Write(CalledRead read)
    {
        _line.Clear().Append('>');
        ReadHeader.Append(_line, read);
        _line.Append('\n').Append(read.Sequence.Bases).Append('\n');
        _file.Writer.Write(_line);
    }

    /// <inheritdoc />
    public void Commit() => _file.Commit();

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
