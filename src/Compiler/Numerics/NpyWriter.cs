using System.Numerics;
using System.Runtime.InteropServices;

namespace Dipper.Compiler.Numerics;

/// <summary>Writes a matrix as a NumPy <c>.npy</c> file (format 1.0, little-endian, C order) that <c>np.load</c> reads.</summary>
public static class NpyWriter
{
    /// <summary>
    /// Writes <paramref name="matrix"/> to <paramref name="path"/> as float32 or float64. The file
    /// appears only when complete: it is written beside the target and then renamed over it.
    /// </summary>
    public static void Write<T>(string path, Matrix<T> matrix, bool asFloat64) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var temporary = path + ".partial";
        using (var stream = File.Create(temporary))
        {
            NpyHeader.Write(stream, asFloat64 ? "<f8" : "<f4", [matrix.Rows, matrix.Columns]);
            var bytes = new byte[matrix.Columns * (asFloat64 ? 8 : 4)];
            for (var r = 0; r < matrix.Rows; r++)
            {
                if (asFloat64)
                    System.Numerics.Tensors.TensorPrimitives.ConvertChecked<T, double>(matrix.Row(r), MemoryMarshal.Cast<byte, double>(bytes.AsSpan()));
                else
                    System.Numerics.Tensors.TensorPrimitives.ConvertChecked<T, float>(matrix.Row(r), MemoryMarshal.Cast<byte, float>(bytes.AsSpan()));
                stream.Write(bytes);
            }
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Writes a C-order array of <paramref name="shape"/> from <paramref name="values"/> (float32, uint8, uint16
    /// or int32; the dtype follows <typeparamref name="T"/>), replacing <paramref name="path"/> only when complete.
    /// </summary>
    public static void WriteArray<T>(string path, ReadOnlySpan<T> values, IReadOnlyList<int> shape) where T : unmanaged
    {
        var elements = shape.Aggregate(1L, (n, d) => n * d);
        if (elements != values.Length) throw new ArgumentException($"shape ({string.Join(", ", shape)}) holds {elements} values, got {values.Length}", nameof(shape));
        var temporary = path + ".partial";
        using (var stream = File.Create(temporary))
        {
            NpyHeader.Write(stream, NpyDtype.Of<T>(), shape);
            stream.Write(MemoryMarshal.AsBytes(values));
        }
        File.Move(temporary, path, overwrite: true);
    }
}
