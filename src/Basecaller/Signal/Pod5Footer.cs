namespace Dipper.Basecaller.Signal;

/// <summary>What an embedded Arrow file holds, as POD5's footer numbers it (footer.fbs <c>ContentType</c>).</summary>
internal enum Pod5Content : short
{
    Reads = 0,
    Signal = 1,
    ReadIdIndex = 2,
    OtherIndex = 3,
    RunInfo = 4,
    /// <summary>Not from the footer: a table found by scanning a file whose footer is lost, not yet identified.</summary>
    Unknown = -1,
}

/// <summary>One embedded Arrow IPC file: where it lies in the POD5 file and what it holds.</summary>
/// <param name="Offset">Byte offset of the Arrow file's opening magic.</param>
/// <param name="Length">Length of the Arrow file, without the padding and marker that follow it.</param>
/// <param name="Content">What the table holds.</param>
/// <param name="Complete">False for the last table of a truncated file, which has only its leading record batches.</param>
internal readonly record struct Pod5EmbeddedTable(long Offset, long Length, Pod5Content Content, bool Complete = true);

/// <summary>The parsed POD5 footer (the writer's version and the embedded tables), or the tables found without it.</summary>
/// <param name="Pod5Version">The POD5 version that wrote the file, when the footer says.</param>
/// <param name="Tables">The embedded tables in file order.</param>
/// <param name="FromFooter">False when the tables were found by scanning for section markers.</param>
internal sealed record Pod5FooterContents(string? Pod5Version, IReadOnlyList<Pod5EmbeddedTable> Tables, bool FromFooter = true);

/// <summary>
/// Parses the POD5 footer FlatBuffer by hand. The footer is a few hundred bytes with one fixed
/// schema, so a generated FlatBuffers binding would add more code than it saves, and reading it
/// through <see cref="Pod5FlatBuffer"/> checks every offset before it is followed.
/// </summary>
/// <remarks>
/// Schema (footer.fbs, verified against the sample files): table <c>Footer { file_identifier:string;
/// software:string; pod5_version:string; contents:[EmbeddedFile] }</c>, table <c>EmbeddedFile {
/// offset:int64; length:int64; format:short; content_type:short }</c>.
/// </remarks>
internal static class Pod5Footer
{
    private const int VersionField = 2;
    private const int ContentsField = 3;
    private const int OffsetField = 0;
    private const int LengthField = 1;
    private const int FormatField = 2;
    private const int ContentTypeField = 3;

    /// <summary>Reads the footer.</summary>
    /// <exception cref="InvalidDataException">An offset points outside the footer or a field is malformed.</exception>
    public static Pod5FooterContents Parse(ReadOnlySpan<byte> footer)
    {
        var buffer = new Pod5FlatBuffer(footer);
        var root = buffer.Root;
        var version = buffer.String(root, VersionField);
        var (contents, count) = buffer.Vector(root, ContentsField, 4);
        if (count == 0) throw new InvalidDataException("footer lists no embedded tables");

        var tables = new List<Pod5EmbeddedTable>(count);
        for (var i = 0; i < count; i++)
        {
            var entry = buffer.TableAt(contents, i);
            var format = buffer.Int16Field(entry, FormatField);
            if (format != 0) throw new InvalidDataException($"embedded table {i} has format {format}, only Feather v2 (0) exists");
            tables.Add(new Pod5EmbeddedTable(buffer.Int64Field(entry, OffsetField), buffer.Int64Field(entry, LengthField),
                (Pod5Content)buffer.Int16Field(entry, ContentTypeField)));
        }
        return new Pod5FooterContents(version, tables);
    }
}
