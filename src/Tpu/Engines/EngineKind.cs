namespace Dipper.Tpu.Engines;

/// <summary>The inference back ends <c>dipperd basecall --engine</c> can name.</summary>
public enum EngineKind
{
    /// <summary>The best available: Edge TPU, else TFLite on the CPU, else ONNX Runtime.</summary>
    Auto,

    /// <summary>The Coral Edge TPU(s), with a CPU fallback.</summary>
    EdgeTpu,

    /// <summary>TensorFlow Lite on the CPU.</summary>
    Tflite,

    /// <summary>ONNX Runtime on the CPU.</summary>
    Onnx,
}
