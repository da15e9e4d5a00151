using System.Globalization;
using System.Text;
using Dipper.Basecaller.Native;

namespace Dipper.Basecaller.Output;

/// <summary>
/// The tags Dorado puts on each unaligned read, with the same names and types so tools written for Dorado's BAM
/// read Dipper's (docs/output.md lists each): <c>qs</c> mean quality, <c>du</c> duration, <c>ns</c> samples,
/// <c>ts</c> samples trimmed, <c>ch</c> channel, <c>st</c> start time, <c>rn</c> read number, <c>fn</c> signal file,
/// <c>RG</c> read group and, on request, <c>mv</c> the move table. <c>st</c> is written only when the signal file
/// records the run's clock start, which the read's start is counted from.
/// </summary>
internal static unsafe class HtsReadTags
{
    /// <summary>Appends the tags of <paramref name="read"/> to <paramref name="record"/>.</summary>
    /// <param name="record">The record, its core fields set.</param>
    /// <param name="read">The read.</param>
    /// <param name="readGroup">The @RG the read belongs to, or null when the header declares none for its run.</param>
    /// <param name="emitMoves">Whether to add the move table (when the decoder kept the path).</param>
    /// <exception cref="IOException">htslib could not add a tag (out of memory).</exception>
    public static void Append(BamRecordHandle record, CalledRead read, string? readGroup, bool emitMoves)
    {
        var r = read.Read;
        Float(record, "qs", (float)read.MeanQScore);
        Float(record, "du", (float)read.DurationSeconds);
        Integer(record, "ns", r.SampleCount);
        Integer(record, "ts", 0); // Dipper calls the whole signal: no adapter trimming
        if (r.Channel > 0) Integer(record, "ch", r.Channel);
        if (r.StartTime is { } start) Text(record, "st", StartTime(start));
        Integer(record, "rn", (int)Math.Clamp(r.ReadNumber, int.MinValue, int.MaxValue));
        if (r.SourcePath is { Length: > 0 } source) Text(record, "fn", Path.GetFileName(source));
        if (readGroup is not null) Text(record, "RG", readGroup);
        if (emitMoves && read.Moves is { } moves) Moves(record, moves.Stride, moves.Moves);
    }

    /// <summary>
    /// <c>st</c>'s text as Dorado writes it: UTC to the millisecond with an explicit zero offset,
    /// "2017-04-24T09:46:44.805+00:00".
    /// </summary>
    internal static string StartTime(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+00:00'", CultureInfo.InvariantCulture);

    private static void Float(BamRecordHandle record, string tag, float value) => Append(record, tag, 'f', 4, (byte*)&value);

    private static void Integer(BamRecordHandle record, string tag, int value) => Append(record, tag, 'i', 4, (byte*)&value);

    private static void Text(BamRecordHandle record, string tag, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value + '\0');
        fixed (byte* data = bytes) Append(record, tag, 'Z', bytes.Length, data);
    }

    /// <summary><c>mv:B:c</c>: the stride, then one signed byte per frame, as Dorado lays it out.</summary>
    private static void Moves(BamRecordHandle record, int stride, byte[] moves)
    {
        var values = new byte[moves.Length + 1];
        values[0] = (byte)checked((sbyte)stride);
        moves.CopyTo(values, 1);
        var name = Tag("mv");
        fixed (byte* data = values)
        {
            if (HtsNative.bam_aux_update_array(record, (byte*)&name, (byte)'c', (uint)values.Length, data) != 0)
                throw new IOException("htslib could not add the move table (mv)");
        }
    }

    private static void Append(BamRecordHandle record, string tag, char type, int length, byte* data)
    {
        var name = Tag(tag);
        if (HtsNative.bam_aux_append(record, (byte*)&name, (byte)type, length, data) != 0)
            throw new IOException($"htslib could not add the {tag} tag");
    }

    private static ushort Tag(string tag) => (ushort)(tag[0] | tag[1] << 8);
}
