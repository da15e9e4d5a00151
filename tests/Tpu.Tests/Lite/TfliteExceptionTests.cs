using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Tests.Lite;

public sealed class TfliteExceptionTests
{
    [Theory]
    [InlineData(TfLiteStatus.DelegateError)]
    [InlineData(TfLiteStatus.ApplicationError)]
    [InlineData(TfLiteStatus.DelegateDataNotFound)]
    [InlineData(TfLiteStatus.DelegateDataWriteError)]
    [InlineData(TfLiteStatus.DelegateDataReadError)]
    public void Delegate_statuses_become_delegate_errors(TfLiteStatus status)
    {
        var e = TfliteException.FromStatus(status, "TfLiteInterpreterInvoke", "Failed to execute");
        Assert.IsType<TfliteDelegateException>(e);
        Assert.Equal(status, e.Status);
        Assert.Contains("Failed to execute", e.Message);
    }

    [Fact]
    public void Unresolved_ops_have_their_own_type()
    {
        var e = TfliteException.FromStatus(TfLiteStatus.UnresolvedOps, "TfLiteInterpreterAllocateTensors", "Encountered unresolved custom op: edgetpu-custom-op.", "model.tflite");
        Assert.IsType<TfliteUnresolvedOpsException>(e);
        Assert.StartsWith("model.tflite: TfLiteInterpreterAllocateTensors failed: kTfLiteUnresolvedOps", e.Message);
    }

    [Fact]
    public void Runtime_errors_and_cancellation_stay_plain_tflite_errors()
    {
        Assert.IsType<TfliteException>(TfliteException.FromStatus(TfLiteStatus.Error, "op", ""));
        Assert.IsType<TfliteException>(TfliteException.FromStatus(TfLiteStatus.Cancelled, "op", ""));
    }

    [Fact]
    public void A_status_value_from_a_newer_runtime_is_reported_as_unknown_with_its_number()
    {
        var status = (TfLiteStatus)42;
        Assert.False(TfliteException.IsKnown(status));
        var e = TfliteException.FromStatus(status, "TfLiteInterpreterInvoke", "");
        Assert.IsType<TfliteException>(e);
        Assert.Equal(status, e.Status);
        Assert.Contains("unknown status 42", e.Message);
    }
}
