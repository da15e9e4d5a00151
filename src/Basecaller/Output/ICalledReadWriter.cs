namespace Dipper.Basecaller.Output;

/// <summary>
/// Writes called reads in one output format. The pipeline's last stage calls it from one thread.
/// Nothing is visible under the output name until <see cref="Commit"/>.
/// </summary>
public interface ICalledReadWriter : IDisposable
{
    /// <summary>The output file's final name.</summary>
    string Path { get; }

    /// <summary>Appends one read.</summary>
    void Write(CalledRead read);

    /// <summary>Finishes the file and gives it its final name. Disposing without committing discards it.</summary>
    void Commit();
}
