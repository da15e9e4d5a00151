using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using Google.FlatBuffers;
using ZstdSharp;

namespace Dipper.Basecaller.Tests.Signal;

/// <summary>What the test POD5 generator writes.</summary>
internal sealed record Pod5WriterOptions
{
    public int Reads { get; init; } = 20;
    public int ReadsPerBatch { get; init; } = 8;
    public int SignalRowsPerBatch { get; init; } = 16;
    /// <summary>MinKNOW splits reads into rows of 102,400 samples; smaller values force multi-row reads.</summary>
    public int MaxSamplesPerRow { get; init; } = 102_400;
    public int MinSamples { get; init; } = 2_000;
    public int MaxSamples { get; init; } = 40_000;
    public bool Compressed { get; init; } = true;
    /// <summary>Signals generated; reads beyond this reuse them (with their own ids), so huge files are written fast.</summary>
    public int DistinctSignals { get; init; } = int.MaxValue;
    public int Seed { get; init; } = 1;
}

/// <summary>
/// Test-only POD5 generator: a valid container (current schema: Signal, RunInfo and Reads tables,
/// footer) with DNA-like signal, so tests can build files of any size and shape (multi-row reads,
/// several record batches, uncompressed signal) and know exactly what each read must decode to.
/// </summary>
internal static class Pod5Writer
{
    public const double SampleRate = 4000;
    public const string AcquisitionId = "0d7a6c5f2e1b4a3c9f8e7d6c5b4a39281706f5e4";
    private static readonly byte[] Signature = [0x8B, 0x50, 0x4F, 0x44, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly Dictionary<string, string> Uuid = new() { ["ARROW:extension:name"] = "minknow.uuid", ["ARROW:extension:metadata"] = "" };
    private static readonly Dictionary<string, string> Vbz = new() { ["ARROW:extension:name"] = "minknow.vbz", ["ARROW:extension:metadata"] = "" };

    private sealed record ReadRecord(byte[] Id, List<ulong> Rows, ulong Samples, ushort Channel, uint ReadNumber, ulong Start, float Offset, float Scale);

    /// <summary>Writes a POD5 file to <paramref name="output"/>; returns each read's expected decode line, in file order.</summary>
    public static IReadOnlyList<string> Write(Stream output, Pod5WriterOptions options)
    {
        var random = new Random(options.Seed);
        var marker = new byte[16];
        random.NextBytes(marker);
        output.Write(Signature);
        output.Write(marker);

        var tables = new List<(long Offset, long Length, short Content)>();
        var reads = new List<ReadRecord>();
        var expected = new List<string>();
        tables.Add(WriteTable(output, marker, 1, options.Compressed ? VbzSignalSchema : RawSignalSchema, writer => WriteSignal(writer, options, random, reads, expected)));
        tables.Add(WriteTable(output, marker, 4, RunInfoSchema, writer => writer.WriteRecordBatch(RunInfoBatch())));
        tables.Add(WriteTable(output, marker, 0, ReadsSchema, writer =>
        {
            for (var i = 0; i < reads.Count; i += options.ReadsPerBatch)
                writer.WriteRecordBatch(ReadsBatch(reads.GetRange(i, Math.Min(options.ReadsPerBatch, reads.Count - i))));
        }));

        output.Write("FOOTER\0\0"u8);
        var footer = Footer(tables);
        output.Write(footer);
        output.Write(BitConverter.GetBytes((long)footer.Length));
        output.Write(marker);
        output.Write(Signature);
        return expected;
    }

    /// <summary>DNA-like signal: a level that steps every few samples (one k-mer per step) plus pore noise, around 500 ADC counts.</summary>
    public static short[] DnaLikeSignal(Random random, int length)
    {
        var signal = new short[length];
        var level = 500.0;
        var stepIn = 0;
        for (var i = 0; i < length; i++)
        {
            if (stepIn-- <= 0)
            {
                level = 380 + random.NextDouble() * 270;
                stepIn = 4 + random.Next(12);
            }
            var noise = (random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 12;
            signal[i] = (short)Math.Round(level + noise);
        }
        return signal;
    }

    private static (long, long, short) WriteTable(Stream output, byte[] marker, short content, Schema schema, Action<ArrowFileWriter> body)
    {
        var offset = output.Position;
        using (var window = new AppendingStream(output))
        using (var writer = new ArrowFileWriter(window, schema, leaveOpen: true))
        {
            body(writer);
            writer.WriteEnd();
        }
        var length = output.Position - offset;
        output.Write(new byte[(8 - length % 8) % 8]);
        output.Write(marker);
        return (offset, length, content);
    }

    private static void WriteSignal(ArrowFileWriter writer, Pod5WriterOptions options, Random random, List<ReadRecord> reads, List<string> expected)
    {
        using var compressor = new Compressor(1);
        var distinct = new List<(short[] Signal, List<object> Rows)>();
        var batch = new SignalBatch(options.Compressed);
        ulong row = 0;
        for (var r = 0; r < options.Reads; r++)
        {
            if (r < options.DistinctSignals)
            {
                var signal = DnaLikeSignal(random, random.Next(options.MinSamples, options.MaxSamples + 1));
                var chunks = new List<object>();
                for (var at = 0; at < signal.Length; at += options.MaxSamplesPerRow)
                {
                    var chunk = signal.AsSpan(at, Math.Min(options.MaxSamplesPerRow, signal.Length - at));
                    chunks.Add(options.Compressed ? Pod5SignalEncoder.Vbz(chunk, compressor) : chunk.ToArray());
                }
                distinct.Add((signal, chunks));
            }
            var (samples, payloads) = distinct[r % distinct.Count];
            var id = new byte[16];
            random.NextBytes(id);
            var record = new ReadRecord(id, [], (ulong)samples.Length, (ushort)(1 + r % 512), (uint)(100 + r),
                (ulong)r * 50_000, 20f + r % 5, 0.1755f);
            var at2 = 0;
            foreach (var payload in payloads)
            {
                var count = Math.Min(options.MaxSamplesPerRow, samples.Length - at2);
                at2 += count;
                batch.Add(id, payload, count);
                record.Rows.Add(row++);
                if (batch.Count == options.SignalRowsPerBatch) writer.WriteRecordBatch(batch.Build());
            }
            reads.Add(record);
            expected.Add($"{new Guid(id, bigEndian: true):D}\t{samples.Length}\t{samples.Sum(s => (long)s)}\t{string.Join(',', samples.Take(5))}");
        }
        if (batch.Count > 0) writer.WriteRecordBatch(batch.Build());
    }

    private static readonly Schema VbzSignalSchema = SignalSchema(true);
    private static readonly Schema RawSignalSchema = SignalSchema(false);

    private static Schema SignalSchema(bool compressed) => new([
        new Field("read_id", new FixedSizeBinaryType(16), false, Uuid),
        compressed
            ? new Field("signal", LargeBinaryType.Default, false, Vbz)
            : new Field("signal", new LargeListType(new Field("item", Int16Type.Default, false)), false, null),
        new Field("samples", UInt32Type.Default, false, null),
    ], null);

    /// <summary>Rows of the Signal table being gathered into one record batch.</summary>
    private sealed class SignalBatch(bool compressed)
    {
        private readonly List<byte> _ids = [];
        private readonly List<object> _payloads = [];
        private readonly List<uint> _samples = [];
        public int Count => _samples.Count;

        public void Add(byte[] id, object payload, int samples)
        {
            _ids.AddRange(id);
            _payloads.Add(payload);
            _samples.Add((uint)samples);
        }

        public RecordBatch Build()
        {
            var count = Count;
            var ids = new FixedSizeBinaryArray(new ArrayData(new FixedSizeBinaryType(16), count, 0, 0, [ArrowBuffer.Empty, Buffer(_ids.ToArray())]));
            var offsets = new long[count + 1];
            IArrowArray signal;
            if (compressed)
            {
                var bytes = _payloads.Cast<byte[]>().ToArray();
                for (var i = 0; i < count; i++) offsets[i + 1] = offsets[i] + bytes[i].Length;
                var values = new byte[offsets[count]];
                for (var i = 0; i < count; i++) bytes[i].CopyTo(values, offsets[i]);
                signal = new LargeBinaryArray(new ArrayData(LargeBinaryType.Default, count, 0, 0,
                    [ArrowBuffer.Empty, Buffer(offsets), new ArrowBuffer(values)]));
            }
            else
            {
                var chunks = _payloads.Cast<short[]>().ToArray();
                for (var i = 0; i < count; i++) offsets[i + 1] = offsets[i] + chunks[i].Length;
                var values = new short[offsets[count]];
                for (var i = 0; i < count; i++) chunks[i].CopyTo(values, offsets[i]);
                signal = new LargeListArray(new LargeListType(new Field("item", Int16Type.Default, false)), count, Buffer(offsets),
                    new Int16Array(Buffer(values), ArrowBuffer.Empty, values.Length, 0, 0), ArrowBuffer.Empty, 0, 0);
            }
            var samples = new UInt32Array.Builder().AppendRange(_samples).Build();
            var batch = new RecordBatch(compressed ? VbzSignalSchema : RawSignalSchema, [ids, signal, samples], count);
            _ids.Clear();
            _payloads.Clear();
            _samples.Clear();
            return batch;
        }
    }

    private static readonly Schema RunInfoSchema = new([
        new Field("acquisition_id", StringType.Default, false, null),
        new Field("adc_max", Int16Type.Default, false, null),
        new Field("adc_min", Int16Type.Default, false, null),
        new Field("experiment_name", StringType.Default, false, null),
        new Field("flow_cell_id", StringType.Default, false, null),
        new Field("sample_rate", UInt16Type.Default, false, null),
        new Field("sequencing_kit", StringType.Default, false, null),
    ], null);

    private static RecordBatch RunInfoBatch() => new(RunInfoSchema, [
        new StringArray.Builder().Append(AcquisitionId).Build(),
        new Int16Array.Builder().Append(2047).Build(),
        new Int16Array.Builder().Append(-4096).Build(),
        new StringArray.Builder().Append("generated_test_run").Build(),
        new StringArray.Builder().Append("FAT00001").Build(),
        new UInt16Array.Builder().Append((ushort)SampleRate).Build(),
        new StringArray.Builder().Append("sqk-lsk114").Build(),
    ], 1);

    private static readonly DictionaryType RunInfoDictionary = new(Int16Type.Default, StringType.Default, false);

    private static readonly Schema ReadsSchema = new([
        new Field("read_id", new FixedSizeBinaryType(16), false, Uuid),
        new Field("signal", new ListType(new Field("item", UInt64Type.Default, false)), false, null),
        new Field("read_number", UInt32Type.Default, false, null),
        new Field("start", UInt64Type.Default, false, null),
        new Field("num_samples", UInt64Type.Default, false, null),
        new Field("channel", UInt16Type.Default, false, null),
        new Field("calibration_offset", FloatType.Default, false, null),
        new Field("calibration_scale", FloatType.Default, false, null),
        new Field("run_info", RunInfoDictionary, false, null),
    ], null);

    private static RecordBatch ReadsBatch(List<ReadRecord> reads)
    {
        var count = reads.Count;
        var ids = new FixedSizeBinaryArray(new ArrayData(new FixedSizeBinaryType(16), count, 0, 0,
            [ArrowBuffer.Empty, Buffer(reads.SelectMany(r => r.Id).ToArray())]));
        var offsets = new int[count + 1];
        for (var i = 0; i < count; i++) offsets[i + 1] = offsets[i] + reads[i].Rows.Count;
        var rowValues = reads.SelectMany(r => r.Rows).ToArray();
        var rows = new ListArray(new ListType(new Field("item", UInt64Type.Default, false)), count, Buffer(offsets),
            new UInt64Array(Buffer(rowValues), ArrowBuffer.Empty, rowValues.Length, 0, 0), ArrowBuffer.Empty, 0, 0);
        var runInfo = new DictionaryArray(RunInfoDictionary,
            new Int16Array.Builder().AppendRange(Enumerable.Repeat((short)0, count)).Build(),
            new StringArray.Builder().Append(AcquisitionId).Build());
        return new RecordBatch(ReadsSchema, [
            ids, rows,
            new UInt32Array.Builder().AppendRange(reads.Select(r => r.ReadNumber)).Build(),
            new UInt64Array.Builder().AppendRange(reads.Select(r => r.Start)).Build(),
            new UInt64Array.Builder().AppendRange(reads.Select(r => r.Samples)).Build(),
            new UInt16Array.Builder().AppendRange(reads.Select(r => r.Channel)).Build(),
            new FloatArray.Builder().AppendRange(reads.Select(r => r.Offset)).Build(),
            new FloatArray.Builder().AppendRange(reads.Select(r => r.Scale)).Build(),
            runInfo,
        ], count);
    }

    private static byte[] Footer(List<(long Offset, long Length, short Content)> tables)
    {
        var builder = new FlatBufferBuilder(1024);
        var identifier = builder.CreateString("5e1d0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b");
        var software = builder.CreateString("Dipper test writer");
        var version = builder.CreateString("0.3.10");
        var entries = new int[tables.Count];
        for (var i = 0; i < tables.Count; i++)
        {
            builder.StartTable(4);
            builder.AddLong(0, tables[i].Offset, 0);
            builder.AddLong(1, tables[i].Length, 0);
            builder.AddShort(2, 0, 0);
            builder.AddShort(3, tables[i].Content, 0);
            entries[i] = builder.EndTable();
        }
        builder.StartVector(4, entries.Length, 4);
        for (var i = entries.Length - 1; i >= 0; i--) builder.AddOffset(entries[i]);
        var contents = builder.EndVector();
        builder.StartTable(4);
        builder.AddOffset(0, identifier.Value, 0);
        builder.AddOffset(1, software.Value, 0);
        builder.AddOffset(2, version.Value, 0);
        builder.AddOffset(3, contents.Value, 0);
        builder.Finish(builder.EndTable());
        return builder.SizedByteArray();
    }

    private static ArrowBuffer Buffer<T>(T[] values) where T : struct => new(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>Lets Arrow write an Arrow file into the middle of the POD5 file, counting positions from the Arrow file's start (Arrow's footer records them).</summary>
    private sealed class AppendingStream(Stream output) : Stream
    {
        private readonly long _start = output.Position;
        public override bool CanRead => false;
        public override bool CanSeek => true;
        public override bool CanWrite => true;
        public override long Length => output.Position - _start;
        public override long Position { get => output.Position - _start; set => output.Position = _start + value; }
        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => output.Write(buffer);
        public override void Flush() => output.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => origin == SeekOrigin.Begin ? Position = offset : throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
