using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Tests.Numerics;

/// <summary>Small arrays as numpy writes them.</summary>
internal static class NumpySamples
{
    // Written by numpy 1.24's np.save of [[1.5, -2.0, 3.25], [0.0, 1e-3, -7.0]] (and the variants named), then base64:
    //   /usr/bin/python3 -c "import numpy as np, io, base64; f = io.BytesIO(); np.save(f, np.array(..., dtype=np.float32));
    //       print(base64.b64encode(f.getvalue()).decode())"
    public const string Float32 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAUEAAAAAAbxKDOgAA4MA=";
    public const string Float64 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAADAAAAAAAAACkAAAAAAAAAAAPyp8dJNYlA/AAAAAAAAHMA=";
    public const string FortranOrder = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADwPwAAAAAAAAhAAAAAAAAAAEAAAAAAAAAQQA==";
    public const string Int64 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAAAAAAIAAAAAAAAA";
    public const string ThreeDimensional = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
    public const string BigEndian = "k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDEpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/8AAAAAAAAA==";
}

public class NpyReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dipper-npy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(NumpySamples.Float32, false)]
    [InlineData(NumpySamples.Float64, true)]
    public void Numpy_files_read_with_their_shape_dtype_and_values(string base64, bool isFloat64)
    {
        var path = Save(base64);

        using var reader = NpyReader.Open(path);
        var m = reader.ReadAll<double>();

        Assert.Equal(isFloat64, reader.IsFloat64);
        Assert.Equal((2, 3), (m.Rows, m.Columns));
        Assert.Equal([1.5, -2.0, 3.25, 0.0, isFloat64 ? 1e-3 : (double)1e-3f, -7.0], m.AsSpan().ToArray());
    }

    [Theory]
    [InlineData(NumpySamples.FortranOrder, "Fortran")]
    [InlineData(NumpySamples.Int64, "'<i8'")]
    [InlineData(NumpySamples.ThreeDimensional, "3 dimensions")]
    [InlineData(NumpySamples.BigEndian, "'>f8'")]
    public void Unsupported_arrays_are_refused_with_the_reason_and_the_file(string base64, string reason)
    {
        var path = Save(base64);

        var e = Assert.Throws<NpyFormatException>(() => NpyReader.Open(path));

        Assert.Contains(reason, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Truncated_data_is_refused_before_any_row_is_read()
    {
        var bytes = Convert.FromBase64String(NumpySamples.Float64);
        var path = Path.Combine(_dir, "short.npy");
        File.WriteAllBytes(path, bytes[..^4]);

        var e = Assert.Throws<NpyFormatException>(() => NpyReader.Open(path));

        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void File_without_the_magic_is_not_taken_for_an_array()
    {
        var path = Path.Combine(_dir, "text.npy");
        File.WriteAllText(path, "weights,1,2,3");

        Assert.Contains("magic", Assert.Throws<NpyFormatException>(() => NpyReader.Open(path)).Message);
    }

    [Fact]
    public void Rows_stream_in_blocks_until_the_end()
    {
        var m = MatrixProductTests.Random(10, 4, 31);
        var path = Path.Combine(_dir, "rows.npy");
        NpyWriter.Write(path, m, asFloat64: true);

        using var reader = NpyReader.Open(path);
        var block = new Matrix<double>(4, 4);
        var counts = new List<int>();
        int count;
        var rows = new List<double>();
        while ((count = reader.ReadRows(block)) > 0)
        {
            counts.Add(count);
            rows.AddRange(block.Block(0, 0, count, 4).Clone().AsSpan().ToArray());
        }

        Assert.Equal([4, 4, 2], counts);
        Assert.Equal(m.AsSpan().ToArray(), rows);
    }

    private string Save(string base64)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.npy");
        File.WriteAllBytes(path, Convert.FromBase64String(base64));
        return path;
    }
}
