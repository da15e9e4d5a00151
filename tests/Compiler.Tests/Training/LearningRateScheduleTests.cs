using Dipper.Compiler.Training;

namespace Dipper.Compiler.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void Without_warmup_the_rate_starts_at_the_peak_and_decays_along_a_cosine()
    {
        var options = new TrainingOptions { Steps = 100, LearningRate = 2e-3, ValidateEvery = 100 };

        Assert.Equal(2e-3, TrainingLoop.LearningRate(options, 1), 12);
        Assert.Equal(1e-3, TrainingLoop.LearningRate(options, 51), 12); // half way along the cosine
        Assert.True(TrainingLoop.LearningRate(options, 100) < 1e-6);
        for (var step = 2; step <= 100; step++)
            Assert.True(TrainingLoop.LearningRate(options, step) < TrainingLoop.LearningRate(options, step - 1), $"step {step} does not decay");
    }

    [Fact]
    public void A_warmup_rises_linearly_to_the_peak_then_decays_over_the_steps_left()
    {
        var options = new TrainingOptions { Steps = 109, LearningRate = 2e-3, ValidateEvery = 109, WarmupSteps = 9 };

        for (var step = 1; step <= 9; step++)
            Assert.Equal(2e-3 * step / 10, TrainingLoop.LearningRate(options, step), 12);
        Assert.Equal(2e-3, TrainingLoop.LearningRate(options, 10), 12);
        Assert.Equal(1e-3, TrainingLoop.LearningRate(options, 60), 12); // half way along the 100 steps after the warm-up
        Assert.True(TrainingLoop.LearningRate(options, 109) < 1e-6);
    }

    [Fact]
    public void A_warmup_longer_than_the_run_still_reaches_the_peak_at_the_last_step()
    {
        var options = new TrainingOptions { Steps = 5, LearningRate = 1e-3, ValidateEvery = 5, WarmupSteps = 50 };

        Assert.Equal(1e-3, TrainingLoop.LearningRate(options, 5), 12);
        Assert.Equal(0.2e-3, TrainingLoop.LearningRate(options, 1), 12);
    }
}
