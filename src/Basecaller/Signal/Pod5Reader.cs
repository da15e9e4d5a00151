using System.Runtime.CompilerServices;
using Apache.Arrow;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Reads POD5, MinKNOW's current raw-signal format, from version 0.0.16 to current output: VBZ and
/// uncompressed signal, reads split over several Signal rows, run info in its own table or (early
/// files) in the Reads table.
/// </summary>
/// <remarks>
/// <para>Memory bound: one Reads-table record batch, one Signal-table record batch, the RunInfo table
/// (one row per run), a row-count per Signal batch, and the read being yielded (held twice while it is
/// copied out of the decode buffer, which is reused and as long as the longest read). Reads are
/// yielded in Reads-table order; a read whose rows straddle two Signal batches loads them one after the
/// other, never both at once.</para>
/// <para>Damage: a file without a usable footer (truncated, or still being written) is scanned for its
/// whole tables, and the reads they hold are delivered. An unreadable Reads batch or Signal batch is
/// skipped and reading goes on with the next; a read whose signal does not decode to exactly its
/// declared sample count is skipped by id. All of it is raised as one <see cref="SignalFormatException"/>
/// once the good reads are out.</para>
/// </remarks>
public sealed class Pod5Reader : ISignalReader
{
    /// <summary>
    /// Damage listed in detail; beyond this only a count is kept, so a file whose Signal table is lost
    /// (one error per read) cannot make the error list grow with the file.
    /// </summary>
    private const int MaxDamageListed = 100;

    private readonly Stream _file;
    private bool _started;

    /// <summary>Opens a POD5 file. It is shared for reading and writing, so a file MinKNOW is still writing can be read as far as it is whole.</summary>
    public Pod5Reader(string path)
        : this(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16), path)
    {
    }

    /// <summary>Reads POD5 from a seekable stream, which the reader then owns; lets tests and services read files that are not on disk.</summary>
    /// <param name="stream">Seekable stream positioned anywhere; the POD5 file starts at its byte 0.</param>
    /// <param name="displayPath">Name used in error messages and <see cref="Read.SourcePath"/>.</param>
    public Pod5Reader(Stream stream, string displayPath)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek) throw new ArgumentException("POD5 needs a seekable stream: its index is at the end", nameof(stream));
        _file = stream;
        Path = displayPath;
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public SignalFormat Format => SignalFormat.Pod5;

    /// <inheritdoc />
    public async IAsyncEnumerable<Read> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_started) throw new InvalidOperationException("a Pod5Reader can be enumerated once");
        _started = true;
        var damage = new List<SignalFormatException>();
        var unlisted = 0;
        void Report(SignalFormatException problem)
        {
            if (damage.Count < MaxDamageListed) damage.Add(problem);
            else unlisted++;
        }

        var layout = Pod5Container.Locate(_file, Path, damage);
        using var tables = await OpenTablesAsync(layout, damage, cancellationToken).ConfigureAwait(false);
        if (tables.Reads is null || tables.Signal is null)
        {
            damage.Add(tables.Reads is null
                ? new SignalFormatException(Path, "no readable Reads table (MinKNOW writes it when it closes the file), so no read can be recovered",
                    tables.Signal is { } found ? found.Location.Offset + found.Location.Length : 0)
                : new SignalFormatException(Path, "no readable Signal table, so no read can be recovered", tables.Reads.Location.Offset));
            throw SignalFormatException.Combine(damage)!;
        }

        using var signal = new Pod5SignalTable(tables.Signal, Path, Report);
        var buffer = new Pod5SignalBuffer();
        var rows = new List<ulong>();
        for (var batchIndex = 0; ; batchIndex++)
        {
            RecordBatch? batch;
            Pod5ReadColumns? columns = null;
            try
            {
                batch = await tables.Reads.ReadBatchAsync(batchIndex, cancellationToken).ConfigureAwait(false);
                if (batch is null) break;
                try
                {
                    columns = new Pod5ReadColumns(batch, tables.RunInfo);
                }
                catch
                {
                    batch.Dispose();
                    throw;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Report(new SignalFormatException(Path, $"Reads record batch {batchIndex} unreadable, its reads are skipped ({e.Message})",
                    tables.Reads.Location.Offset, inner: e));
                continue;
            }

            using (batch)
            {
                for (var row = 0; row < columns.Count; row++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Read? read = null;
                    try
                    {
                        read = await AssembleAsync(columns, row, signal, buffer, rows, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        Report(new SignalFormatException(Path, $"read skipped: {e.Message}", tables.Signal.Location.Offset,
                            TryReadId(columns, row), e));
                    }
                    if (read is not null) yield return read;
                }
            }
        }
        if (unlisted > 0) damage.Add(new SignalFormatException(Path, $"{unlisted} further damaged reads or batches, not listed one by one"));
        if (SignalFormatException.Combine(damage) is { } failure) throw failure;
    }

    /// <summary>
    /// Opens the tables the footer lists; if that leaves no Reads or Signal table (a damaged offset in an
    /// otherwise sound footer), looks for the tables by their section markers instead.
    /// </summary>
    private async Task<Pod5OpenTables> OpenTablesAsync(Pod5FooterContents layout, List<SignalFormatException> damage, CancellationToken cancellationToken)
    {
        var tables = await Pod5OpenTables.OpenAsync(_file, Path, layout, damage, cancellationToken).ConfigureAwait(false);
        if ((tables.Reads is not null && tables.Signal is not null) || !layout.FromFooter) return tables;
        tables.Dispose();
        damage.Add(new SignalFormatException(Path, "the footer points at tables that cannot be read; looking for them by their section markers", 0));
        return await Pod5OpenTables.OpenAsync(_file, Path, Pod5Container.Scan(_file), damage, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Decodes one read whole, checking every row and the read's total against what the file declares.</summary>
    private async ValueTask<Read> AssembleAsync(Pod5ReadColumns columns, int row, Pod5SignalTable signal,
        Pod5SignalBuffer buffer, List<ulong> rows, CancellationToken cancellationToken)
    {
        var readIdBytes = columns.ReadIdBytes(row).ToArray();
        var readId = new Guid(readIdBytes, bigEndian: true).ToString("D");
        columns.SignalRows(row, rows);
        buffer.Clear();
        foreach (var signalRow in rows)
            await signal.AppendRowAsync(signalRow, readIdBytes, buffer, cancellationToken).ConfigureAwait(false);
        if (columns.DeclaredSampleCount(row) is { } declared && declared != (ulong)buffer.Count)
            throw new InvalidDataException($"signal rows hold {buffer.Count} samples but the read declares {declared}");

        var run = columns.RunInfo(row);
        return new Read(readId, buffer.ToArray(), columns.Calibration(row), run.SampleRate)
        {
            Channel = columns.Channel(row),
            ReadNumber = columns.ReadNumber(row),
            StartSample = columns.StartSample(row),
            RunId = run.AcquisitionId,
            FlowCellId = run.FlowCellId,
            FlowCellProductCode = run.FlowCellProductCode,
            SequencingKit = run.SequencingKit,
            ExperimentType = run.ExperimentType,
            SequencingProtocol = run.SequencingProtocol,
            ExperimentName = run.ExperimentName,
            RunStartTime = run.RunStartTime,
            SourcePath = Path,
        };
    }

    private static string? TryReadId(Pod5ReadColumns columns, int row)
    {
        try
        {
            return columns.ReadId(row);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
