using System.Runtime.InteropServices;

namespace Dipper.Basecaller.Native;

/// <summary>
/// Owns a <c>bam1_t*</c>, one alignment record, reused from read to read (htslib grows its buffer as needed).
/// The two fields a reader needs back (the name and the sequence length) are read from the record's fixed
/// layout, which is part of libhts3's ABI (<c>bam1_core_t</c> then the data pointer).
/// </summary>
public sealed unsafe class BamRecordHandle : SafeHandle
{
    // bam1_core_t: pos (8), tid (4), bin (2), qual (1), l_extranul (1), flag (2), l_qname (2), n_cigar (4), l_qseq (4), …; 48 bytes.
    private const int SequenceLengthOffset = 24;
    // bam1_t: core (48), id (8), data pointer.
    private const int DataOffset = 56;

    private BamRecordHandle() : base(0, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <summary>A new, empty record.</summary>
    public static BamRecordHandle Create()
    {
        HtsNative.EnsureLoaded();
        var record = new BamRecordHandle();
        record.SetHandle(HtsNative.bam_init1());
        if (record.IsInvalid) throw new OutOfMemoryException("bam_init1 failed");
        return record;
    }

    /// <summary>The record's name (the read id).</summary>
    public string Name => Marshal.PtrToStringUTF8(*(nint*)((byte*)handle + DataOffset)) ?? "";

    /// <summary>Bases in the record's sequence.</summary>
    public int SequenceLength => *(int*)((byte*)handle + SequenceLengthOffset);

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        HtsNative.bam_destroy1(handle);
        return true;
    }
}
