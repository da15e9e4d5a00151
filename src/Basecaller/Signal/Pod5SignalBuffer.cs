namespace Dipper.Basecaller.Signal;

/// <summary>
/// Collects one read's samples as its Signal-table rows are decoded, reusing one array across reads.
/// A read's final length is known only once every row has been checked (early POD5 files declare no
/// total), so rows are decoded here first and the read gets an exact-length copy; the buffer grows to
/// the longest read seen and no further.
/// </summary>
internal sealed class Pod5SignalBuffer
{
    private short[] _samples = new short[1 << 16];

    /// <summary>Samples collected for the current read.</summary>
    public int Count { get; private set; }

    /// <summary>Starts a new read.</summary>
    public void Clear() => Count = 0;

    /// <summary>Reserves room for <paramref name="count"/> more samples and returns it for the decoder to fill.</summary>
    /// <exception cref="InvalidDataException">The read would exceed the largest array .NET can hold.</exception>
    public Span<short> Append(int count)
    {
        var needed = (long)Count + count;
        if (count < 0 || needed > Array.MaxLength) throw new InvalidDataException($"a read of {needed} samples is impossible");
        if (needed > _samples.Length)
        {
            var grown = GC.AllocateUninitializedArray<short>((int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * _samples.Length)));
            _samples.AsSpan(0, Count).CopyTo(grown);
            _samples = grown;
        }
        var span = _samples.AsSpan(Count, count);
        Count = (int)needed;
        return span;
    }

    /// <summary>The collected samples as a new array the read can own.</summary>
    public short[] ToArray() => _samples.AsSpan(0, Count).ToArray();
}
