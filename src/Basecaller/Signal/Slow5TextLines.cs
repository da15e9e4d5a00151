namespace Dipper.Basecaller.Signal;

/// <summary>
/// Splits a SLOW5 text stream into lines without decoding it to strings: a record line holds the
/// whole signal as text (megabytes for a long read), so lines are handed out as byte spans over one
/// buffer that grows only to the longest line.
/// </summary>
internal sealed class Slow5TextLines(Stream stream)
{
    private const int ChunkSize = 1 << 16;

    /// <summary>Longest line accepted: the text of about 80 M samples. Longer means a file without line ends.</summary>
    public const int MaxLineBytes = 512 << 20;
    private byte[] buffer = new byte[ChunkSize];
    private int start;
    private int end;
    private long bufferOffset;
    private bool endOfStream;

    /// <summary>The current line, without its line end. Valid until the next <see cref="NextAsync"/>.</summary>
    public ReadOnlyMemory<byte> Current { get; private set; }

    /// <summary>False when the current line is the last and has no line end: the file was cut or is still being written.</summary>
    public bool Terminated { get; private set; }

    /// <summary>1-based number of the current line.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Byte offset of the current line's start.</summary>
    public long Offset { get; private set; }

    /// <summary>Byte offset where the line after the current one starts (or would start).</summary>
    public long NextOffset => bufferOffset + start;

    /// <summary>Moves to the next line; false at the end of the stream. Throws <see cref="InvalidDataException"/> for an endless line.</summary>
    public async ValueTask<bool> NextAsync(CancellationToken cancellationToken)
    {
        var searched = 0;
        while (true)
        {
            var newline = buffer.AsSpan(start + searched, end - start - searched).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                SetCurrent(start + searched + newline, terminated: true);
                return true;
            }
            searched = end - start;
            if (endOfStream)
            {
                if (start == end) return false;
                SetCurrent(end, terminated: false);
                return true;
            }
            if (start > 0)
            {
                // Keep the partial line at the front so it can keep growing.
                buffer.AsSpan(start, end - start).CopyTo(buffer);
                bufferOffset += start;
                end -= start;
                start = 0;
            }
            if (end == buffer.Length)
            {
                if (buffer.Length >= MaxLineBytes)
                    throw new InvalidDataException($"line {LineNumber + 1} runs past {MaxLineBytes >> 20} MB without a line end");
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            var read = await stream.ReadAsync(buffer.AsMemory(end, Math.Min(buffer.Length - end, 1 << 22)), cancellationToken).ConfigureAwait(false);
            if (read == 0) endOfStream = true;
            end += read;
        }
    }

    private void SetCurrent(int lineEnd, bool terminated)
    {
        Current = buffer.AsMemory(start, lineEnd - start);
        Offset = bufferOffset + start;
        Terminated = terminated;
        LineNumber++;
        start = terminated ? lineEnd + 1 : lineEnd;
    }
}
