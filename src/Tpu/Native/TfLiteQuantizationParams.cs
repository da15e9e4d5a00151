using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// <c>TfLiteQuantizationParams</c>, returned by value from <c>TfLiteTensorQuantizationParams</c>: the per-tensor
/// affine mapping real = Scale × (q − ZeroPoint). A scale of 0 means the tensor is not quantised.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct TfLiteQuantizationParams(float Scale, int ZeroPoint);
