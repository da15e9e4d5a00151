namespace Dipper.Tpu.Engines;

/// <summary>The inference back ends <c>dipperd basecall --engine</c> can name.</summary>
public enum EngineKind
{
    /// <summary>The best available, as <see cref="EngineSelection"/> decides: the Edge TPU with a compiled model, else ONNX Runtime, else TFLite on the CPU.</summary>
    Auto,

    /// <summary>The Coral Edge TPU(s), with a CPU fallback.</summary>
    EdgeTpu,

    /// <summary>TensorFlow Lite on the CPU.</summary>
    Tflite,

    /// <summary>ONNX Runtime on the CPU.</summary>
    Onnx,
}
