namespace Dipper.Tpu.EdgeTpu;

/// <summary>Whether libedgetpu and the TFLite C library come from the same TensorFlow release.</summary>
public enum VersionAgreement
{
    /// <summary>Same TensorFlow major.minor.</summary>
    Match,

    /// <summary>Different TensorFlow major.minor: expect "Unsupported data type in custom op handler" or crashes.</summary>
    Mismatch,

    /// <summary>libedgetpu's TensorFlow version could not be determined.</summary>
    Unknown,
}
