using Dipper.Basecaller.Native;
using Dipper.Compiler.Training;
using TorchSharp;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public class TorchRuntimeTests
{
    [Fact]
    public void The_patched_native_library_loads_and_runs_real_ops()
    {
        TorchRuntime.Start(threads: 1);
        using var scope = torch.NewDisposeScope();

        Assert.Equal(4f, torch.ones(2, 2).sum().item<float>());
        // A real convolution: [1, 2, 3, 4] with kernel [1, 1] gives the neighbour sums.
        var signal = torch.tensor(new float[] { 1, 2, 3, 4 }, [1, 1, 4]);
        var sums = torch.nn.functional.conv1d(signal, torch.ones(1, 1, 2)).data<float>().ToArray();
        Assert.Equal(new float[] { 3, 5, 7 }, sums);
    }

    [Fact]
    public void OpenMP_sees_a_wait_policy_in_the_native_environment()
    {
        TorchRuntime.Start(threads: 1);

        var policy = LibCNative.GetEnvironment("OMP_WAIT_POLICY");

        // PASSIVE unless whoever runs the tests chose otherwise, which the runtime respects.
        Assert.Equal(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"), policy);
        Assert.NotNull(policy);
    }
}
