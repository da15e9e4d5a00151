using System.Text;
using Dipper.Basecaller.Output;
using Dipper.Device.Journal;

namespace Dipper.Device.Service;

/// <summary>
/// The sequencing_summary.txt of each run folder of the output, one line per read written, each read exactly once
/// across crashes. A summary grows by appending, so unlike an output it cannot be renamed into place; instead each
/// file's lines are kept in the journal (saved before its outputs are renamed) and appended once it is recorded
/// as done, then forgotten. A crash while appending leaves the journal still holding the lines, and the next
/// append first cuts back whatever part of them reached the summary, so they end up there once.
/// </summary>
/// <remarks>
/// Appends are made one file at a time, under one lock (the committer and the adoption of outputs at start both
/// append), so at most the last lines of a summary can be the unfinished ones.
/// </remarks>
public sealed class RunSummaries
{
    private static readonly byte[] Header = Encoding.UTF8.GetBytes(SequencingSummary.HeaderLine);
    private readonly CallJournal _journal;
    private readonly Lock _gate = new();

    /// <summary>Appends the lines <paramref name="journal"/> keeps.</summary>
    public RunSummaries(CallJournal journal) => _journal = journal;

    /// <summary>Appends every done file's lines that the journal still keeps to their summaries, and forgets them.</summary>
    /// <returns>Files whose lines were appended.</returns>
    /// <exception cref="IOException">A summary could not be written; the lines stay in the journal for the next try.</exception>
    public int AppendPending()
    {
        lock (_gate)
        {
            var pending = _journal.PendingSummaryLines();
            foreach (var file in pending)
            {
                AppendOnce(file.Summary, Encoding.UTF8.GetBytes(file.Lines));
                _journal.SummaryAppended(file.Path);
            }
            return pending.Count;
        }
    }

    /// <summary>
    /// Appends <paramref name="block"/> (whole lines) to the summary at <paramref name="path"/>, creating it with the
    /// header, after cutting back any part of the same block an interrupted append left at its end (or a torn line).
    /// Flushed to disk before it returns.
    /// </summary>
    internal static void AppendOnce(string path, byte[] block)
    {
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var created = !File.Exists(path);
        using (var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1 << 16))
        {
            if (file.Length < Header.Length)
            {
                file.SetLength(0); // new, or its header torn
                file.Write(Header);
            }
            else
            {
                file.SetLength(KeptLength(file, block));
            }
            file.Position = file.Length;
            file.Write(block);
            file.Flush(flushToDisk: true);
        }
        if (created) DirectorySync.Flush(folder);
    }

    /// <summary>The summary's length without the part of <paramref name="block"/> at its end, or without a torn last line.</summary>
    private static long KeptLength(FileStream file, byte[] block)
    {
        // The tail that could hold part of the block, and the byte before it (the header's newline at least).
        var length = (int)Math.Min(file.Length - Header.Length, block.Length) + 1;
        var start = file.Length - length;
        var tail = new byte[length];
        file.Position = start;
        file.ReadExactly(tail);
        var firstLine = block.AsSpan(0, Array.IndexOf(block, (byte)'\n') + 1);
        if (!firstLine.IsEmpty)
        {
            for (var at = tail.AsSpan(1).LastIndexOf(firstLine); at >= 0; at = tail.AsSpan(1, at).LastIndexOf(firstLine))
            {
                // At a line start, and all from there on is the beginning of the block: an append of it was cut short.
                if (tail[at] == (byte)'\n' && block.AsSpan().StartsWith(tail.AsSpan(at + 1))) return start + at + 1;
                if (at == 0) break;
            }
        }
        return start + tail.AsSpan().LastIndexOf((byte)'\n') + 1;
    }
}
