using Dipper.Basecaller.Output;

namespace Dipper.Basecaller.Tests.Output;

public sealed class FastaWriterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-fasta-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Each_read_is_a_header_and_its_bases()
    {
        var path = Path.Combine(_folder, "out", "calls.fasta");
        using (var writer = new FastaWriter(path))
        {
            writer.Write(FastqWriterTests.Called("read-a", "ACGT"));
            writer.Write(FastqWriterTests.Called("read-b", ""));
            writer.Commit();
        }
        Assert.Equal([">read-a runid=run7 ch=42 start_time=2 model_version_id=sbonito", "ACGT", ">read-b runid=run7 ch=42 start_time=2 model_version_id=sbonito", ""],
            File.ReadAllLines(path));
    }
}
