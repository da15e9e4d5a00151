using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using ZstdSharp;

namespace Dipper.Basecaller.Tests.Signal;

/// <summary>
/// Test-only BLOW5 writer (the appliance never writes BLOW5): lays out files the way slow5tools
/// does, so tests can build large files, several read groups, or records damaged in one precise way.
/// Signal is always svb-zd; records are zstd (default), zlib or stored.
/// </summary>
internal sealed class Blow5Writer(Stream output, byte recordCompression = 2, int readGroups = 1) : IDisposable
{
    private const string Types = "#char*\tuint32_t\tdouble\tdouble\tdouble\tdouble\tuint64_t\tint16_t*\tchar*\tdouble\tint32_t\tuint8_t\tuint64_t";
    private const string Names = "#read_id\tread_group\tdigitisation\toffset\trange\tsampling_rate\tlen_raw_signal\traw_signal\tchannel_number\tmedian_before\tread_number\tstart_mux\tstart_time";

    private readonly Compressor zstd = new(1);

    public void WriteHeader()
    {
        var text = new StringBuilder();
        text.Append("@run_id");
        for (var g = 0; g < readGroups; g++) text.Append($"\trun{g}");
        text.Append("\n@flow_cell_id");
        for (var g = 0; g < readGroups; g++) text.Append($"\tFAK{g:00000}");
        text.Append('\n').Append(Types).Append('\n').Append(Names).Append('\n');
        var textBytes = Encoding.ASCII.GetBytes(text.ToString());

        var preamble = new byte[68];
        "BLOW5\u0001"u8.CopyTo(preamble);
        preamble[6] = 0; preamble[7] = 2; preamble[8] = 0;
        preamble[9] = recordCompression;
        BinaryPrimitives.WriteUInt32LittleEndian(preamble.AsSpan(10), (uint)readGroups);
        preamble[14] = 1; // svb-zd
        BinaryPrimitives.WriteUInt32LittleEndian(preamble.AsSpan(64), (uint)textBytes.Length);
        output.Write(preamble);
        output.Write(textBytes);
    }

    /// <summary>The record as stored (compressed), so a test can repeat or damage it.</summary>
    public byte[] EncodeRecord(string readId, short[] signal, uint readGroup = 0, int channel = 1, int readNumber = 1,
        ulong startTime = 0, ulong? declaredSignalBytes = null)
    {
        var svb = EncodeSvbZd(signal);
        var record = new MemoryStream();
        var writer = new BinaryWriter(record);
        var id = Encoding.ASCII.GetBytes(readId);
        writer.Write((ushort)id.Length);
        writer.Write(id);
        writer.Write(readGroup);
        writer.Write(8192.0); // digitisation
        writer.Write(10.0);   // offset
        writer.Write(1400.0); // range
        writer.Write(4000.0); // sampling rate
        writer.Write(declaredSignalBytes ?? (ulong)svb.Length);
        writer.Write(svb);
        var channelText = Encoding.ASCII.GetBytes(channel.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.Write((ulong)channelText.Length);
        writer.Write(channelText);
        writer.Write(200.0);  // median_before
        writer.Write(readNumber);
        writer.Write((byte)1); // start_mux
        writer.Write(startTime);
        writer.Flush();
        var raw = record.ToArray();
        return recordCompression switch
        {
            0 => raw,
            1 => Deflate(raw),
            _ => zstd.Wrap(raw).ToArray(),
        };
    }

    public void WriteStoredRecord(byte[] stored)
    {
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(size, (ulong)stored.Length);
        output.Write(size);
        output.Write(stored);
    }

    public void WriteRead(string readId, short[] signal, uint readGroup = 0, int channel = 1, int readNumber = 1, ulong startTime = 0) =>
        WriteStoredRecord(EncodeRecord(readId, signal, readGroup, channel, readNumber, startTime));

    public void WriteEnd() => output.Write("5WOLB"u8);

    public void Dispose() => zstd.Dispose();

    /// <summary>A nanopore-like trace: a random walk between current levels with sample noise.</summary>
    public static short[] SyntheticSignal(Random random, int count)
    {
        var signal = new short[count];
        var level = 500;
        for (var i = 0; i < count; i++)
        {
            if (random.Next(10) == 0) level = Math.Clamp(level + random.Next(-60, 61), 300, 900);
            signal[i] = (short)(level + random.Next(-12, 13));
        }
        return signal;
    }

    /// <summary>svb-zd: uint32 count, 2-bit keys, then 1 to 4 bytes per zigzag difference.</summary>
    public static byte[] EncodeSvbZd(ReadOnlySpan<short> signal)
    {
        var keyLength = (signal.Length + 3) / 4;
        var blob = new byte[4 + keyLength + 4 * signal.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(blob, (uint)signal.Length);
        var data = 4 + keyLength;
        var previous = 0;
        for (var i = 0; i < signal.Length; i++)
        {
            var difference = signal[i] - previous;
            previous = signal[i];
            var zigzag = (uint)((difference << 1) ^ (difference >> 31));
            var length = zigzag < 1 << 8 ? 1 : zigzag < 1 << 16 ? 2 : zigzag < 1 << 24 ? 3 : 4;
            blob[4 + i / 4] |= (byte)((length - 1) << (2 * (i % 4)));
            for (var b = 0; b < length; b++) blob[data++] = (byte)(zigzag >> (8 * b));
        }
        return blob[..data];
    }

    /// <summary>
    /// ex-zd as this reader understands slow5lib's layout (see ExZdDecoder): header, the first
    /// sample's zigzag, exception positions and values as streamvbyte lists, then one byte per sample.
    /// </summary>
    public static byte[] EncodeExZd(ReadOnlySpan<short> signal)
    {
        var blob = new MemoryStream();
        var writer = new BinaryWriter(blob);
        writer.Write((byte)0);
        writer.Write((uint)signal.Length);
        if (signal.Length == 0) return blob.ToArray();
        writer.Write(new byte[5]);
        var gaps = new List<uint>();
        var values = new List<uint>();
        var plain = new List<byte>();
        var previous = 0;
        var lastException = 0;
        for (var i = 0; i < signal.Length; i++)
        {
            var difference = signal[i] - previous;
            previous = signal[i];
            var zigzag = (uint)((difference << 1) ^ (difference >> 31));
            if (i == 0) writer.Write((ushort)zigzag);
            else if (zigzag < 256) plain.Add((byte)zigzag);
            else
            {
                gaps.Add((uint)(i - lastException - 1));
                values.Add(zigzag - 256);
                lastException = i;
            }
        }
        writer.Write((uint)gaps.Count);
        foreach (var list in new[] { gaps, values })
        {
            var encoded = EncodeStreamVByte(list);
            writer.Write((uint)encoded.Length);
            writer.Write(encoded);
        }
        writer.Write(plain.ToArray());
        writer.Flush();
        return blob.ToArray();
    }

    private static byte[] EncodeStreamVByte(IReadOnlyList<uint> values)
    {
        var keys = new byte[(values.Count + 3) / 4];
        var data = new List<byte>();
        for (var i = 0; i < values.Count; i++)
        {
            var v = values[i];
            var length = v < 1 << 8 ? 1 : v < 1 << 16 ? 2 : v < 1 << 24 ? 3 : 4;
            keys[i / 4] |= (byte)((length - 1) << (2 * (i % 4)));
            for (var b = 0; b < length; b++) data.Add((byte)(v >> (8 * b)));
        }
        return [.. keys, .. data];
    }

    private static byte[] Deflate(byte[] raw)
    {
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) zlib.Write(raw);
        return compressed.ToArray();
    }
}
