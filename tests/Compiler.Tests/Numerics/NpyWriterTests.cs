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
}
