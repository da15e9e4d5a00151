using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// Looks every byte up in a 256-entry table: the whole of an int8 model's elementwise function of one quantised value
/// (its swish, σ and the product with their roundings, is one such table). ONNX Runtime's own table kernel
/// (QLinearSigmoid) reads one byte at a time; this one looks up 64 at a time with AVX-512 VBMI's two-table byte
/// permute on x86-64, and 16 at a time with the four-register TBL/TBX on arm64, which every arm64 core has.
/// </summary>
public static class ByteTable
{
    /// <summary>Entries a table has: one per byte value.</summary>
    public const int Entries = 256;

    /// <summary>Writes <c>table[input[i]]</c> to <c>output[i]</c> for every i.</summary>
    /// <exception cref="ArgumentException">The table is not 256 entries, the output is shorter than the input, or the two overlap
    /// (the vector loop's last step reads values it has already written).</exception>
    public static void Apply(ReadOnlySpan<byte> input, ReadOnlySpan<byte> table, Span<byte> output)
    {
        if (table.Length != Entries) throw new ArgumentException($"a byte table has {Entries} entries, got {table.Length}", nameof(table));
        if (output.Length < input.Length) throw new ArgumentException($"{input.Length} values need as much room, got {output.Length}", nameof(output));
        if (input.Overlaps(output)) throw new ArgumentException("the output must not overlap the input", nameof(output));
        var done = 0;
        if (Avx512Vbmi.IsSupported && input.Length >= Vector512<byte>.Count) done = ApplyAvx512(input, table, output);
        else if (AdvSimd.Arm64.IsSupported && input.Length >= Vector128<byte>.Count) done = ApplyAdvSimd(input, table, output);
        for (var i = done; i < input.Length; i++) output[i] = table[input[i]];
    }

    /// <summary>64 values a step: two VPERMI2B lookups (entries 0–127 and 128–255 by the low 7 bits), the top bit picking one.</summary>
    private static int ApplyAvx512(ReadOnlySpan<byte> input, ReadOnlySpan<byte> table, Span<byte> output)
    {
        ref var t = ref MemoryMarshal.GetReference(table);
        var t0 = Vector512.LoadUnsafe(ref t);
        var t1 = Vector512.LoadUnsafe(ref t, 64);
        var t2 = Vector512.LoadUnsafe(ref t, 128);
        var t3 = Vector512.LoadUnsafe(ref t, 192);
        ref var x = ref MemoryMarshal.GetReference(input);
        ref var y = ref MemoryMarshal.GetReference(output);
        var last = input.Length - Vector512<byte>.Count;
        var i = 0;
        for (; ; i += Vector512<byte>.Count)
        {
            // The tail overlaps the step before it: the same values written again, so no scalar loop is needed.
            if (i > last) i = last;
            var index = Vector512.LoadUnsafe(ref x, (nuint)i);
            var low = Avx512Vbmi.PermuteVar64x8x2(t0, index, t1);
            var high = Avx512Vbmi.PermuteVar64x8x2(t2, index, t3);
            var upper = Vector512.LessThan(index.AsSByte(), Vector512<sbyte>.Zero).AsByte();
            Vector512.ConditionalSelect(upper, high, low).StoreUnsafe(ref y, (nuint)i);
            if (i == last) return input.Length;
        }
    }

    /// <summary>16 values a step: TBL over entries 0–63, then TBX over each next 64 (out-of-range indices leave a lane as it is).</summary>
    private static int ApplyAdvSimd(ReadOnlySpan<byte> input, ReadOnlySpan<byte> table, Span<byte> output)
    {
        ref var t = ref MemoryMarshal.GetReference(table);
        var q0 = Quarter(ref t, 0);
        var q1 = Quarter(ref t, 64);
        var q2 = Quarter(ref t, 128);
        var q3 = Quarter(ref t, 192);
        var step = Vector128.Create((byte)64);
        ref var x = ref MemoryMarshal.GetReference(input);
        ref var y = ref MemoryMarshal.GetReference(output);
        var last = input.Length - Vector128<byte>.Count;
        var i = 0;
        for (; ; i += Vector128<byte>.Count)
        {
            if (i > last) i = last;
            var index = Vector128.LoadUnsafe(ref x, (nuint)i);
            var r = AdvSimd.Arm64.VectorTableLookup(q0, index);
            index -= step;
            r = AdvSimd.Arm64.VectorTableLookupExtension(r, q1, index);
            index -= step;
            r = AdvSimd.Arm64.VectorTableLookupExtension(r, q2, index);
            index -= step;
            r = AdvSimd.Arm64.VectorTableLookupExtension(r, q3, index);
            r.StoreUnsafe(ref y, (nuint)i);
            if (i == last) return input.Length;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<byte>, Vector128<byte>, Vector128<byte>, Vector128<byte>) Quarter(ref byte table, nuint start) =>
        (Vector128.LoadUnsafe(ref table, start), Vector128.LoadUnsafe(ref table, start + 16),
         Vector128.LoadUnsafe(ref table, start + 32), Vector128.LoadUnsafe(ref table, start + 48));
}
