using System.Runtime.InteropServices;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;
using Dipper.Basecaller.Tests.Decoding;

namespace Dipper.Basecaller.Tests.Pipeline;

public class NormaliserTests
{
    private static readonly NormalisationSettings Settings = new() { MadScale = 1.4826, Clip = 2.5 };

    /// <summary>numpy's arithmetic, by sorting: np.median on float32, MAD × 1.4826 in double, float32 division, clip.</summary>
    private static float[] NumpyStyle(short[] signal, out float median, out float scale)
    {
        static float Median(float[] v)
        {
            var s = v.Order().ToArray();
            var n = s.Length;
            return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2f;
        }
        var x = signal.Select(v => (float)v).ToArray();
        var med = Median(x);
        var mad = Median(x.Select(v => MathF.Abs(v - med)).ToArray());
        var sc = (float)(mad * 1.4826);
        median = med;
        scale = sc;
        return x.Select(v => Math.Clamp((v - med) / sc, -2.5f, 2.5f)).ToArray();
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(1800, 3)]
    [InlineData(1801, 4)]
    [InlineData(65030, 5)]
    public void Normalised_signal_is_bit_identical_to_numpy_median_and_mad(int length, int seed)
    {
        var random = new Random(seed);
        var signal = Enumerable.Range(0, length).Select(_ => (short)random.Next(-300, 900)).ToArray();
        var expected = NumpyStyle(signal, out var median, out var scale);
        var actual = new float[length];
        var (m, s) = new Normaliser(Settings).Normalise(signal, actual);
        Assert.Equal(median, m);
        Assert.Equal(scale, s);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Whole_reference_reads_normalise_bit_identically_to_the_reference_pipeline(int index)
    {
        // The reference reads are bundled sample reads; the reference stored its first normalised window.
        var entry = SbonitoReference.Read(index);
        var path = Path.Combine(AppContext.BaseDirectory, "samples", "r94-ecoli", "fast5", entry.GetProperty("fast5").GetString()!);
        await using var reader = SignalFile.Open(path);
        Read? read = null;
        await foreach (var r in reader.ReadAllAsync()) read = r;
        Assert.NotNull(read);
        Assert.Equal(entry.GetProperty("n_samples").GetInt32(), read.SampleCount);

        var normalised = new float[read.SampleCount];
        var (median, scale) = new Normaliser(Settings).Normalise(read.Signal, normalised);

        Assert.Equal(entry.GetProperty("raw_median").GetDouble(), median);
        Assert.Equal((float)entry.GetProperty("raw_mad_scaled").GetDouble(), scale);
        var window = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(SbonitoReference.Folder, $"read{index}.window0.f32"))).ToArray();
        Assert.Equal(window, normalised[..window.Length]);
    }

    [Fact]
    public void Even_counts_take_the_mean_of_the_two_middle_values()
    {
        short[] signal = [10, 1, 4, 7];
        var (median, scale) = new Normaliser(Settings).Normalise(signal, new float[4]);
        Assert.Equal(5.5f, median);
        // |x - 5.5| = 4.5 4.5 1.5 1.5 -> MAD 3.0
        Assert.Equal((float)(3.0 * 1.4826), scale);
    }

    [Fact]
    public void Spikes_are_clipped_and_a_flat_read_is_centred_not_divided_by_zero()
    {
        var normaliser = new Normaliser(Settings);
        short[] spiky = [100, 101, 99, 100, 102, 98, 30000, -30000, 100];
        var output = new float[spiky.Length];
        normaliser.Normalise(spiky, output);
        Assert.Equal(2.5f, output[6]);
        Assert.Equal(-2.5f, output[7]);

        short[] flat = [7, 7, 7];
        var flatOutput = new float[3];
        normaliser.Normalise(flat, flatOutput);
        Assert.All(flatOutput, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Extreme_int16_values_are_handled()
    {
        short[] signal = [short.MinValue, short.MaxValue, 0, 1, -1];
        var expected = NumpyStyle(signal, out _, out _);
        var actual = new float[signal.Length];
        new Normaliser(Settings).Normalise(signal, actual);
        Assert.Equal(expected, actual);
    }
}
