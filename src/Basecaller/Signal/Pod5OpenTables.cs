namespace Dipper.Basecaller.Signal;

/// <summary>
/// The tables of one POD5 file, opened: Reads and Signal for streaming, RunInfo loaded whole (it has
/// one row per run). Tables that cannot be opened are reported as damage and left null.
/// </summary>
internal sealed class Pod5OpenTables : IDisposable
{
    private readonly List<Pod5Table> _opened = [];

    private Pod5OpenTables() { }

    /// <summary>The Reads table, or null when none could be opened.</summary>
    public Pod5Table? Reads { get; private set; }

    /// <summary>The Signal table, or null when none could be opened.</summary>
    public Pod5Table? Signal { get; private set; }

    /// <summary>Runs by acquisition id; empty for files that keep run info in the Reads table.</summary>
    public IReadOnlyDictionary<string, Pod5RunInfo> RunInfo { get; private set; } = new Dictionary<string, Pod5RunInfo>();

    /// <summary>Opens every table the layout lists, collecting what cannot be opened in <paramref name="damage"/>.</summary>
    public static async Task<Pod5OpenTables> OpenAsync(Stream file, string path, Pod5FooterContents layout,
        List<SignalFormatException> damage, CancellationToken cancellationToken)
    {
        var tables = new Pod5OpenTables();
        try
        {
            foreach (var location in layout.Tables)
            {
                if (location.Content is not (Pod5Content.Reads or Pod5Content.Signal or Pod5Content.RunInfo or Pod5Content.Unknown)) continue;
                Pod5Table table;
                try
                {
                    table = await Pod5Table.OpenAsync(file, location, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidDataException e)
                {
                    damage.Add(new SignalFormatException(path, $"{location.Content} table unreadable ({e.Message})", location.Offset, inner: e));
                    continue;
                }
                tables._opened.Add(table);
                if (table.ReadInOrderBecause is { } why && location.Complete)
                    damage.Add(new SignalFormatException(path, $"{table.Content} table: {why}; reading its record batches in order", location.Offset));
                switch (table.Content)
                {
                    case Pod5Content.Reads: tables.Reads ??= table; break;
                    case Pod5Content.Signal: tables.Signal ??= table; break;
                    case Pod5Content.RunInfo: await tables.LoadRunInfoAsync(table, path, damage, cancellationToken).ConfigureAwait(false); break;
                }
            }
            return tables;
        }
        catch
        {
            tables.Dispose();
            throw;
        }
    }

    private async Task LoadRunInfoAsync(Pod5Table table, string path, List<SignalFormatException> damage, CancellationToken cancellationToken)
    {
        try
        {
            RunInfo = await Pod5RunInfo.LoadTableAsync(table, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Reads of the runs it held are reported one by one when their run cannot be found.
            damage.Add(new SignalFormatException(path, $"RunInfo table unreadable ({e.Message})", table.Location.Offset, inner: e));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var table in _opened) table.Dispose();
    }
}
