
namespace Dipper.Basecaller.Inference;

/// <summary>
/// <c>ai.dipper.QLinearTable(x: uint8 tensor, table: uint8[256]) → uint8 tensor</c>: every value looked up in a table
/// (<see cref="ByteTable"/>). <c>dipper compile</c> writes an int8 model's swish as one: σ and the product with their
/// two roundings are a function of the quantised input alone, so 256 entries hold all of it, and the op replaces ONNX
/// Runtime's QLinearSigmoid and QLinearMul, a third of the int8 model's time (docs/cpu-speed.md). Sessions learn it
/// through <see cref="DipperOperators"/>.
/// </summary>
public static unsafe class TableLookupOperator
{
    /// <summary>The operator's name in <see cref="DipperOperators.Domain"/>.</summary>
    public const string Name = "QLinearTable";

    /// <summary>The operator's <c>OrtCustomOp</c>, owned by the domain that adds it.</summary>
    internal static nint Describe() =>
        CustomOperatorTable.Allocate(Name, [OnnxRuntimeNative.UInt8, OnnxRuntimeNative.UInt8], ort => new Kernel(ort));

    /// <summary>A node's kernel keeps nothing but the API table it computes with.</summary>
    private sealed class Kernel(OnnxRuntimeNative ort) : CustomOperatorTable.IKernel
    {
        public nint Compute(nint context) => Run(ort, context);
    }

    /// <summary>One call: y = table[x]. Returns an error status instead of throwing into native code.</summary>
    private static nint Run(OnnxRuntimeNative ort, nint context)
    {
        try
        {
            nint status;
            if ((status = ort.KernelContextGetInput(context, 0, out var x)) != 0) return status;
            if ((status = ort.KernelContextGetInput(context, 1, out var tableValue)) != 0) return status;
            Span<long> tableDims = stackalloc long[8];
            if ((status = CustomOperatorTable.Shape(ort, tableValue, tableDims, out var tableRank)) != 0) return status;
            var tableCount = 1L;
            foreach (var d in tableDims[..tableRank]) tableCount *= d;
            if (tableCount != ByteTable.Entries)
                return ort.CreateStatus(OnnxRuntimeNative.Fail, $"{DipperOperators.Domain}.{Name}: the table has {tableCount} entries, not {ByteTable.Entries}");
            Span<long> dims = stackalloc long[8];
            if ((status = CustomOperatorTable.Shape(ort, x, dims, out var rank)) != 0) return status;
            var count = 1L;
            foreach (var d in dims[..rank]) count *= d;
            nint y;
            fixed (long* d = dims)
                if ((status = ort.KernelContextGetOutput(context, 0, d, (nuint)rank, out y)) != 0) return status;
            if ((status = ort.GetTensorMutableData(x, out var xData)) != 0) return status;
            if ((status = ort.GetTensorMutableData(tableValue, out var tableData)) != 0) return status;
            if ((status = ort.GetTensorMutableData(y, out var yData)) != 0) return status;
            ByteTable.Apply(new ReadOnlySpan<byte>((void*)xData, checked((int)count)), new ReadOnlySpan<byte>((void*)tableData, ByteTable.Entries),
                new Span<byte>((void*)yData, checked((int)count)));
            return 0;
        }
        catch (Exception e)
        {
            return ort.CreateStatus(OnnxRuntimeNative.Fail, $"{DipperOperators.Domain}.{Name}: {e.Message}");
        }
    }
}
