using System.Globalization;
using System.IO.Compression;
using System.Text;
using Dipper.Compiler.Import;

namespace Dipper.Compiler.Tests.Import;

public class TorchCheckpointTests
{
    [Fact]
    public void Sbonito_checkpoint_matches_the_tensor_list_pytorch_printed()
    {
        var stateDict = TorchCheckpoint.Read(TestData.Checkpoint);
        var rows = File.ReadAllLines(TestData.TensorList).Skip(1).Select(l => l.Split('\t')).ToList();

        Assert.Equal(226, rows.Count);
        Assert.Equal(rows.Select(r => r[0]), stateDict.Names);
        foreach (var row in rows)
        {
            var tensor = stateDict[row[0]];
            var inv = CultureInfo.InvariantCulture;
            Assert.True(row[1] == tensor.ShapeText, $"{row[0]}: shape {tensor.ShapeText}, PyTorch {row[1]}");
            Assert.Equal(row[2], tensor.DType == CheckpointDType.Float32 ? "float32" : "int64");
            Assert.Equal(int.Parse(row[3], inv), tensor.ElementCount);
            double min = double.MaxValue, max = double.MinValue, sum = 0;
            for (var i = 0; i < tensor.ElementCount; i++)
            {
                min = Math.Min(min, tensor[i]);
                max = Math.Max(max, tensor[i]);
                sum += tensor[i];
            }
            // float32 values printed as doubles: min and max are exact, the mean differs only by summation order.
            Assert.True(double.Parse(row[4], inv) == min, $"{row[0]}: min {min}, PyTorch {row[4]}");
            Assert.True(double.Parse(row[5], inv) == max, $"{row[0]}: max {max}, PyTorch {row[5]}");
            var mean = sum / tensor.ElementCount;
            var expected = double.Parse(row[6], inv);
            Assert.True(Math.Abs(mean - expected) <= 1e-9 * (1 + Math.Abs(expected)), $"{row[0]}: mean {mean}, PyTorch {expected}");
        }
    }

    [Fact]
    public void Strided_view_with_storage_offset_is_copied_in_row_major_order()
    {
        // storage 0..6; view offset 1, size (2, 3), stride (1, 2): a transposed slice.
        var checkpoint = Checkpoint(Tensor("w", "FloatStorage", "0", 7, offset: 1, size: [2, 3], stride: [1, 2]),
            ("0", Floats(0, 1, 2, 3, 4, 5, 6)));

        var tensor = TorchCheckpoint.Read(checkpoint, "view.pth")["w"];

        Assert.Equal([2, 3], tensor.Shape);
        Assert.Equal([1f, 3, 5, 2, 4, 6], tensor.Floats.ToArray());
    }

    [Fact]
    public void Int64_scalar_is_read_as_a_one_element_tensor()
    {
        var checkpoint = Checkpoint(Tensor("n", "LongStorage", "k", 1, offset: 0, size: [], stride: []),
            ("k", BitConverter.GetBytes(204000L)));

        var tensor = TorchCheckpoint.Read(checkpoint, "count.pth")["n"];

        Assert.Empty(tensor.Shape);
        Assert.Equal([204000L], tensor.Longs.ToArray());
    }

    [Fact]
    public void Missing_storage_is_reported_with_its_archive_path()
    {
        var checkpoint = Checkpoint(Tensor("w", "FloatStorage", "42", 2, 0, [2], [1]));

        var e = Assert.Throws<CheckpointFormatException>(() => TorchCheckpoint.Read(checkpoint, "broken.pth"));
        Assert.Contains("broken.pth", e.Message);
        Assert.Contains("archive/data/42", e.Message);
    }

    [Fact]
    public void Storage_shorter_than_its_element_count_is_refused()
    {
        var checkpoint = Checkpoint(Tensor("w", "FloatStorage", "0", 3, 0, [3], [1]), ("0", Floats(1, 2)));

        var e = Assert.Throws<CheckpointFormatException>(() => TorchCheckpoint.Read(checkpoint, "short.pth"));
        Assert.Contains("has 8 bytes", e.Message);
    }

    [Fact]
    public void View_reaching_past_its_storage_is_refused()
    {
        var checkpoint = Checkpoint(Tensor("w", "FloatStorage", "0", 2, 1, [2], [1]), ("0", Floats(1, 2)));

        var e = Assert.Throws<CheckpointFormatException>(() => TorchCheckpoint.Read(checkpoint, "view.pth"));
        Assert.Contains("reaches element 2", e.Message);
    }

    [Fact]
    public void Half_precision_storage_is_refused_by_name()
    {
        var checkpoint = Checkpoint(Tensor("w", "HalfStorage", "0", 1, 0, [1], [1]), ("0", new byte[2]));

        var e = Assert.Throws<CheckpointFormatException>(() => TorchCheckpoint.Read(checkpoint, "half.pth"));
        Assert.Contains("torch.HalfStorage", e.Message);
    }

    [Fact]
    public void File_that_is_not_a_zip_is_refused_by_name()
    {
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes("not a checkpoint at all"));

        var e = Assert.Throws<CheckpointFormatException>(() => TorchCheckpoint.Read(stream, "notes.pth"));
        Assert.Contains("notes.pth", e.Message);
        Assert.Contains("not a zip", e.Message);
    }

    [Fact]
    public void Checkpoint_holding_something_other_than_a_state_dict_is_refused()
    {
        var pickle = new PickleBuilder().Op(']').Op('.');
        var e = Assert.Throws<CheckpointFormatException>(() => TorchCheckpoint.Read(Checkpoint(pickle), "list.pth"));
        Assert.Contains("not a state_dict", e.Message);
    }

    private static byte[] Floats(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>The pickle torch.save writes for OrderedDict([(name, tensor)]).</summary>
    private static PickleBuilder Tensor(string name, string storageClass, string key, int count, int offset, int[] size, int[] stride)
    {
        var p = new PickleBuilder().Global("collections", "OrderedDict").Op(')').Op('R');
        p.Str(name).Global("torch._utils", "_rebuild_tensor_v2").Op('(');
        p.Op('(').Str("storage").Global("torch", storageClass).Str(key).Str("cpu").Int(count).Op('t').Op('Q');
        p.Int(offset).Op('(');
        foreach (var s in size) p.Int(s);
        p.Op('t').Op('(');
        foreach (var s in stride) p.Int(s);
        p.Op('t').Op(0x89).Global("collections", "OrderedDict").Op(')').Op('R');
        return p.Op('t').Op('R').Op('s').Op('.');
    }

    private static MemoryStream Checkpoint(PickleBuilder pickle, params (string Key, byte[] Bytes)[] storages)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Entry(string name, byte[] bytes)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(bytes);
            }
            Entry("archive/data.pkl", pickle.ToArray());
            foreach (var (key, bytes) in storages) Entry($"archive/data/{key}", bytes);
            Entry("archive/version", "3\n"u8.ToArray());
        }
        stream.Position = 0;
        return stream;
    }

    /// <summary>Writes protocol-2 pickle opcodes by hand, to make checkpoints PyTorch would write.</summary>
    private sealed class PickleBuilder
    {
        private readonly List<byte> _bytes = [0x80, 2];

        public PickleBuilder Op(int opcode)
        {
            _bytes.Add((byte)opcode);
            return this;
        }

        public PickleBuilder Str(string text)
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            _bytes.Add((byte)'X');
            _bytes.AddRange(BitConverter.GetBytes(utf8.Length));
            _bytes.AddRange(utf8);
            return this;
        }

        public PickleBuilder Int(int value)
        {
            _bytes.Add((byte)'J');
            _bytes.AddRange(BitConverter.GetBytes(value));
            return this;
        }

        public PickleBuilder Global(string module, string name)
        {
            _bytes.Add((byte)'c');
            _bytes.AddRange(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
            return this;
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
