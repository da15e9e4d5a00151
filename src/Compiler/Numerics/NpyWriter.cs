using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

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
        var dict = string.Create(CultureInfo.InvariantCulture,
            $"{{'descr': '{(asFloat64 ? "<f8" : "<f4")}', 'fortran_order': False, 'shape': ({matrix.Rows}, {matrix.Columns}), }}");
        // Magic (6) + version (2) + length (2) + header padded with spaces to a multiple of 64, ending in '\n'.
        var total = (10 + dict.Length + 1 + 63) / 64 * 64;
        var header = dict.PadRight(total - 10 - 1) + "\n";
        var temporary = path + ".partial";
        using (var stream = File.Create(temporary))
        {
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            stream.Write([(byte)(header.Length & 0xff), (byte)(header.Length >> 8)]);
            stream.Write(Encoding.Latin1.GetBytes(header));
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
}
