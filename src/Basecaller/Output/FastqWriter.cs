using System.Text;

namespace Dipper.Basecaller.Output;

/// <summary>
/// FASTQ, the format aligners, assemblers and QC tools take: header, bases, '+', qualities (Phred+33),
/// one line each. Gzip when the name ends in <c>.gz</c>.
/// </summary>
public sealed class FastqWriter : ICalledReadWriter
{
    private readonly OutputFile _file;
    private readonly StringBuilder _line = new();

    /// <summary>Starts writing <paramref name="path"/>.</summary>
    public FastqWriter(string path) => _file = new OutputFile(path);

    /// <inheritdoc />
    public string Path => _file.Path;

    /// <inheritdoc />
    public void Write(CalledRead read)
    {
        _line.Clear().Append('@');
        ReadHeader.Append(_line, read);
        _line.Append('\n').Append(read.Sequence.Bases).Append("\n+\n").Append(read.Sequence.Qualities).Append('\n');
        _file.Writer.Write(_line);
    }

    /// <inheritdoc />
    public void Commit() => _file.Commit();

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
