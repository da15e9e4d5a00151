namespace Dipper.Device.Service;

/// <summary>One inference engine (an Edge TPU, the CPU fallback, an ONNX worker) as the status page shows it.</summary>
/// <param name="Name">Engine name (<c>edgetpu:/sys/bus/usb/devices/2-1</c>, <c>onnx</c>).</param>
/// <param name="Healthy">In service now.</param>
/// <param name="IsFallback">The CPU engine batches go to when no TPU can take them.</param>
/// <param name="LastError">Why it is (or was last) out of service.</param>
/// <param name="Batches">Batches it computed.</param>
/// <param name="Failures">Batches it failed.</param>
public sealed record EngineMember(string Name, bool Healthy, bool IsFallback, string? LastError, long Batches, long Failures);
