using System.Text;

namespace Dipper.Basecaller.Output;

/// <summary>
/// A <see cref="SequencingSummary"/> file written beside another output, committed with it: written to
/// <c>NAME.partial</c> and renamed when whole (<see cref="OutputFile"/>), so a run that fails leaves none.
/// </summary>
public sealed class SequencingSummaryWriter : ICalledReadWriter
{
    private readonly OutputFile _file;
    private readonly StringBuilder _line = new();
    private readonly double _minQScore;

    /// <summary>Starts writing <paramref name="path"/>; reads below <paramref name="minQScore"/> are marked as failing the filter.</summary>
    public SequencingSummaryWriter(string path, double minQScore = 0)
    {
        _file = new OutputFile(path);
        _minQScore = minQScore;
        _file.Writer.Write(SequencingSummary.HeaderLine);
    }

    /// <inheritdoc />
    public string Path => _file.Path;

    /// <inheritdoc />
    public void Write(CalledRead read)
    {
        _line.Clear();
        SequencingSummary.AppendLine(_line, read, read.MeanQScore >= _minQScore);
        _file.Writer.Write(_line);
    }

    /// <inheritdoc />
    public void Commit() => _file.Commit();

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
