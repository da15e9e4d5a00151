using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// One embedded Arrow file of a POD5 file, read one record batch at a time. Whole tables are read
/// through their Arrow footer (any batch, in any order); a table without a usable Arrow footer (the
/// last table of a truncated file, or one whose Arrow footer is damaged) is read as an Arrow stream,
/// in order, up to its first damaged message. Every Arrow header is checked by
/// <see cref="Pod5ArrowCheck"/> before Apache.Arrow sees it.
/// </summary>
internal sealed class Pod5Table : IDisposable
{
    private const int ArrowTrailerLength = 10; // int32 footer length, then "ARROW1"
    private readonly Stream _file;
    private readonly Pod5ArrowAllocator _allocator;
    private readonly Pod5SectionStream _whole;
    /// <summary>A second window for the checks, so they never move the position Arrow's reader relies on.</summary>
    private readonly Pod5SectionStream _check;
    private ArrowFileReader? _fileReader;
    private Pod5ArrowBlock[] _blocks = [];
    private long _footerStart;
    private ArrowStreamReader? _streamReader;
    private Pod5SectionStream? _streamSection;
    private long _streamEnd;
    private int _nextStreamBatch;
    private bool _streamEnded;

    private Pod5Table(Stream file, Pod5EmbeddedTable location)
    {
        _file = file;
        Location = location;
        _allocator = new Pod5ArrowAllocator(location.Length);
        _whole = new Pod5SectionStream(file, location.Offset, location.Length);
        _check = new Pod5SectionStream(file, location.Offset, location.Length);
    }

    /// <summary>Where the table lies in the POD5 file, for error messages.</summary>
    public Pod5EmbeddedTable Location { get; }

    /// <summary>What the table holds: from the footer, or recognised by its columns when the footer is lost.</summary>
    public Pod5Content Content { get; private set; }

    /// <summary>The table's columns.</summary>
    public Schema Schema { get; private set; } = null!;

    /// <summary>Set when the table could only be read in order, with why, so the caller can report it.</summary>
    public string? ReadInOrderBecause { get; private set; }

    /// <summary>Opens the table; falls back to in-order reading when the Arrow footer cannot be used.</summary>
    /// <exception cref="InvalidDataException">Not even the table's schema can be read.</exception>
    public static async Task<Pod5Table> OpenAsync(Stream file, Pod5EmbeddedTable location, CancellationToken cancellationToken)
    {
        var table = new Pod5Table(file, location);
        try
        {
            Span<byte> magic = stackalloc byte[6];
            table._check.Position = 0;
            if (table._check.ReadAtLeast(magic, magic.Length, false) < magic.Length || !magic.SequenceEqual("ARROW1"u8))
                throw new InvalidDataException("no Arrow file starts there");
            if (location.Complete)
            {
                try
                {
                    table.CheckFileLayout();
                    table._fileReader = new ArrowFileReader(table._whole, table._allocator, leaveOpen: true);
                    await table._fileReader.RecordBatchCountAsync().ConfigureAwait(false);
                    table.Schema = table._fileReader.Schema;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    table._fileReader?.Dispose();
                    table._fileReader = null;
                    table.ReadInOrderBecause = $"Arrow footer unreadable ({e.Message})";
                }
            }
            else
            {
                table.ReadInOrderBecause = "table cut short";
            }
            if (table._fileReader is null)
            {
                table._streamEnd = table.FindStreamEnd();
                await table.RestartStreamAsync(cancellationToken).ConfigureAwait(false);
            }
            table.Content = Recognise(table.Schema);
            if (location.Content != Pod5Content.Unknown && table.Content != location.Content)
                throw new InvalidDataException($"the footer calls it a {location.Content} table but its columns are not");
            return table;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            table.Dispose();
            throw new InvalidDataException($"table schema unreadable ({e.Message})", e);
        }
    }

    /// <summary>
    /// Reads record batch <paramref name="index"/>, or null past the last one. The caller owns (and
    /// disposes) the batch. In-order tables re-read from their start when asked for an earlier batch.
    /// </summary>
    /// <exception cref="InvalidDataException">The batch is damaged.</exception>
    public async ValueTask<RecordBatch?> ReadBatchAsync(int index, CancellationToken cancellationToken)
    {
        if (_fileReader is not null)
        {
            if (index >= _blocks.Length) return null;
            CheckBlock(_blocks[index], $"record batch {index}");
            return await _fileReader.ReadRecordBatchAsync(index, cancellationToken).ConfigureAwait(false);
        }
        if (index < _nextStreamBatch) await RestartStreamAsync(cancellationToken).ConfigureAwait(false);
        while (!_streamEnded)
        {
            RecordBatch? batch;
            try
            {
                batch = await _streamReader!.ReadNextRecordBatchAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Without the Arrow footer there is no way past a broken batch: the table ends here.
                _streamEnded = true;
                throw new InvalidDataException($"record batch {_nextStreamBatch} unreadable, table read in order ends here ({e.Message})", e);
            }
            if (batch is null)
            {
                _streamEnded = true;
                break;
            }
            if (_nextStreamBatch++ == index) return batch;
            batch.Dispose();
        }
        return null;
    }

    /// <summary>Checks the Arrow file's trailer, footer and dictionary messages, so Arrow may open it.</summary>
    private void CheckFileLayout()
    {
        var length = Location.Length;
        Span<byte> trailer = stackalloc byte[ArrowTrailerLength];
        _check.Position = length - ArrowTrailerLength;
        if (length < 8 + ArrowTrailerLength || _check.ReadAtLeast(trailer, trailer.Length, false) < trailer.Length || !trailer[4..].SequenceEqual("ARROW1"u8))
            throw new InvalidDataException("Arrow closing magic missing");
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(trailer);
        if (footerLength <= 0 || footerLength > length - 8 - ArrowTrailerLength)
            throw new InvalidDataException($"Arrow footer length {footerLength} impossible in a {length}-byte table");
        _footerStart = length - ArrowTrailerLength - footerLength;
        var footer = new byte[footerLength];
        _check.Position = _footerStart;
        _check.ReadExactly(footer);
        var (dictionaries, batches) = Pod5ArrowCheck.CheckFooter(footer);
        for (var i = 0; i < dictionaries.Length; i++) CheckBlock(dictionaries[i], $"dictionary {i}");
        _blocks = batches;
    }

    /// <summary>Checks that a footer block points at a sound message of the size it claims.</summary>
    private void CheckBlock(Pod5ArrowBlock block, string what)
    {
        if (block.Offset < 8 || block.Offset >= _footerStart)
            throw new InvalidDataException($"Arrow {what} placed at {block.Offset}, outside the table");
        var message = Pod5ArrowCheck.ReadMessage(_check, block.Offset, _footerStart)
            ?? throw new InvalidDataException($"Arrow {what} is an end-of-stream mark");
        if (message.MetadataLength != block.MetadataLength || message.BodyLength != block.BodyLength)
            throw new InvalidDataException($"Arrow {what} header disagrees with the Arrow footer");
    }

    /// <summary>End of the last sound message, reading messages in order from the start of the table.</summary>
    private long FindStreamEnd()
    {
        long at = 8;
        while (at < Location.Length)
        {
            Pod5ArrowMessage? message;
            try
            {
                message = Pod5ArrowCheck.ReadMessage(_check, at, Location.Length);
            }
            catch (InvalidDataException)
            {
                break;
            }
            if (message is not { } sound || (at == 8 && sound.HeaderType != Pod5ArrowMessage.Schema)) break;
            at = sound.End;
        }
        return at;
    }

    private async Task RestartStreamAsync(CancellationToken cancellationToken)
    {
        _streamReader?.Dispose();
        _streamSection?.Dispose();
        // An Arrow file is "ARROW1\0\0", then the same messages as an Arrow stream, then its footer;
        // the window ends after the last sound message, so Arrow sees a clean end of stream there.
        _streamSection = new Pod5SectionStream(_file, Location.Offset + 8, _streamEnd - 8);
        _streamReader = new ArrowStreamReader(_streamSection, _allocator, leaveOpen: true);
        _nextStreamBatch = 0;
        _streamEnded = false;
        Schema = await _streamReader.GetSchema(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Recognises a table found without a footer by the columns only that table has.</summary>
    private static Pod5Content Recognise(Schema schema)
    {
        bool Has(string name) => schema.GetFieldIndex(name) >= 0;
        if (Has("read_id") && Has("samples") && Has("signal")) return Pod5Content.Signal;
        if (Has("read_id") && Has("signal")) return Pod5Content.Reads;
        if (Has("acquisition_id") && Has("sample_rate")) return Pod5Content.RunInfo;
        return Pod5Content.Unknown;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _fileReader?.Dispose();
        _streamReader?.Dispose();
        _streamSection?.Dispose();
        _whole.Dispose();
        _check.Dispose();
    }
}
