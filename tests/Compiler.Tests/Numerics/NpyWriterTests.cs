using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Tests.Numerics;

public class NpyWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dipper-npy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Written_file_has_numpys_header_and_reads_back_identically(bool asFloat64)
    {
        var m = new Matrix<double>(2, 3, [1.5, -2.0, 3.25, 0.0, 1e-3, -7.0]);
        var path = Path.Combine(_dir, "out.npy");

        NpyWriter.Write(path, m, asFloat64);

        // Byte-identical to np.save of the same array.
        Assert.Equal(Convert.FromBase64String(asFloat64 ? NumpySamples.Float64 : NumpySamples.Float32), File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void Existing_file_is_replaced_whole()
    {
        var path = Path.Combine(_dir, "out.npy");
        File.WriteAllText(path, "an older, longer file that must not leave a tail behind .........................................................................................................................................................................");

        NpyWriter.Write(path, new Matrix<float>(1, 1, [2f]), asFloat64: false);

        Assert.Equal(2f, NpyReader.Read<float>(path)[0, 0]);
        Assert.Equal(128 + 4, new FileInfo(path).Length);
    }

    [Fact]
    public void Integer_arrays_get_a_format_1_0_header_as_the_npy_spec_lays_it_out()
    {
        var path = Path.Combine(_dir, "lengths.npy");

        NpyWriter.WriteArray<int>(path, [7, -1, 300], [3]);

        var bytes = File.ReadAllBytes(path);
        // Magic string, then format version 1.0.
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], bytes[..8]);
        // Little-endian uint16 header length; the data then starts at a multiple of 64 bytes.
        var headerLength = bytes[8] | bytes[9] << 8;
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = System.Text.Encoding.Latin1.GetString(bytes, 10, headerLength);
        // A dict literal with the three keys, padded with spaces and ended by a newline; a 1-tuple keeps its comma.
        Assert.Equal("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", header.TrimEnd(' ', '\n'));
        Assert.EndsWith(" \n", header);
        Assert.Equal(10 + headerLength + 3 * 4, bytes.Length);
        Assert.Equal([7, -1, 300], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(bytes.AsSpan(10 + headerLength)).ToArray());
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void Byte_arrays_are_unordered_u1_and_read_back_with_their_shape()
    {
        var path = Path.Combine(_dir, "references.npy");

        NpyWriter.WriteArray<byte>(path, [1, 2, 3, 4, 0, 0], [2, 3]);

        var header = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(path), 10, 118);
        Assert.StartsWith("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", header);
        Assert.Equal([1, 2, 3, 4, 0, 0], NpyReader.ReadArray<byte>(path, out var shape));
        Assert.Equal([2, 3], shape);
        var e = Assert.Throws<NpyFormatException>(() => NpyReader.ReadArray<int>(path, out _));
        Assert.Contains("'|u1' where '<i4' was expected", e.Message);
    }
}
