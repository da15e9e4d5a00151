using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Signal;
using Dipper.Device.Service;

namespace Dipper.Device.Tests.Service;

public sealed class CallsFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-calls-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static CalledRead Called(string id, string bases) =>
        new(new Read(id, [1, 2, 3], new SignalCalibration(0, 1), 4000) { Channel = 7 }, new DecodedSequence(bases, new string('+', bases.Length)), "model");

    [Fact]
    public void Nothing_appears_under_the_final_name_until_commit_and_the_commit_is_whole()
    {
        var path = Path.Combine(_folder, "run1", "a.pod5.fastq.gz");
        using (var file = new CallsFile(path))
        {
            file.Write(Called("read-1", "ACGT"));
            file.Write(Called("read-2", "GGCA"));
            Assert.False(File.Exists(path));
            Assert.True(File.Exists(path + ".partial"));
            file.Commit();
        }
        Assert.False(File.Exists(path + ".partial"));
        Assert.Equal([("read-1", "ACGT"), ("read-2", "GGCA")], GzFastq.Read(path));
        Assert.Equal(["read-1", "read-2"], FastqSummary.Read(path).Select(r => r.ReadId));
    }

    [Fact]
    public void Abandoned_file_leaves_nothing_behind()
    {
        var path = Path.Combine(_folder, "b.fast5.fastq.gz");
        using (var file = new CallsFile(path)) file.Write(Called("read-1", "ACGT"));
        Assert.Empty(Directory.GetFiles(_folder, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Cut_short_output_is_not_taken_for_a_whole_one()
    {
        var path = Path.Combine(_folder, "c.fastq.gz");
        using (var file = new CallsFile(path))
        {
            for (var i = 0; i < 200; i++) file.Write(Called($"read-{i}", new string('A', 500)));
            file.Commit();
        }
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.ThrowsAny<Exception>(() => FastqSummary.Read(path));
    }
}
