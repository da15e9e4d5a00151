namespace Dipper.Tpu.Native;

/// <summary><c>TfLiteType</c> (tensorflow/lite/c/c_api_types.h); numbering is fixed by the C API.</summary>
public enum TfLiteType
{
    /// <summary>kTfLiteNoType.</summary>
    NoType = 0,
    /// <summary>kTfLiteFloat32.</summary>
    Float32 = 1,
    /// <summary>kTfLiteInt32.</summary>
    Int32 = 2,
    /// <summary>kTfLiteUInt8.</summary>
    UInt8 = 3,
    /// <summary>kTfLiteInt64.</summary>
    Int64 = 4,
    /// <summary>kTfLiteString.</summary>
    String = 5,
    /// <summary>kTfLiteBool.</summary>
    Bool = 6,
    /// <summary>kTfLiteInt16.</summary>
    Int16 = 7,
    /// <summary>kTfLiteComplex64.</summary>
    Complex64 = 8,
    /// <summary>kTfLiteInt8.</summary>
    Int8 = 9,
    /// <summary>kTfLiteFloat16.</summary>
    Float16 = 10,
    /// <summary>kTfLiteFloat64.</summary>
    Float64 = 11,
    /// <summary>kTfLiteComplex128.</summary>
    Complex128 = 12,
    /// <summary>kTfLiteUInt64.</summary>
    UInt64 = 13,
    /// <summary>kTfLiteResource.</summary>
    Resource = 14,
    /// <summary>kTfLiteVariant.</summary>
    Variant = 15,
    /// <summary>kTfLiteUInt32.</summary>
    UInt32 = 16,
    /// <summary>kTfLiteUInt16 (later TF versions).</summary>
    UInt16 = 17,
    /// <summary>kTfLiteInt4 (later TF versions).</summary>
    Int4 = 18,
}
