using Dipper.Compiler.Commands;

namespace Dipper.Compiler.Tests.Training;

/// <summary>What a trained package's weights must show against the package it was trained from.</summary>
internal static class TrainedWeights
{
    /// <summary>
    /// Asserts that every zero of <paramref name="before"/> (pruned weights, DSF's sparse factors) is still zero in
    /// <paramref name="after"/> and that over 50,000 zeros were held and over <paramref name="changedAtLeast"/> other weights
    /// changed; returns the zeros.
    /// </summary>
    public static async Task<long> ZerosKeptAndOthersTrainedAsync(string before, string after, string what, int changedAtLeast = 50_000)
    {
        var old = (await ModelSource.LoadAsync(before, CancellationToken.None)).Graph.Weights;
        var trained = (await ModelSource.LoadAsync(after, CancellationToken.None)).Graph.Weights;
        long zeros = 0, changed = 0;
        foreach (var (name, weight) in old)
        {
            var (b, a) = (weight.Values.ToArray(), trained[name].Values.ToArray());
            for (var i = 0; i < b.Length; i++)
            {
                if (b[i] == 0) { zeros++; Assert.True(a[i] == 0, $"{name}[{i}] was pruned and is now {a[i]}"); }
                else if (a[i] != b[i]) changed++;
            }
        }
        Assert.True(zeros > 50_000, $"{zeros} zeros in {what}");
        Assert.True(changed >= changedAtLeast, $"{changed} weights changed");
        return zeros;
    }
}
