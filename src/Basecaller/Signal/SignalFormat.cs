namespace Dipper.Basecaller.Signal;

/// <summary>The raw-signal container formats Dipper reads. Detected from the file's first bytes, never its name.</summary>
public enum SignalFormat
{
    /// <summary>Not a signal file Dipper recognises.</summary>
    Unknown = 0,
    /// <summary>POD5: Arrow tables in a FlatBuffers-indexed container (current MinKNOW output).</summary>
    Pod5,
    /// <summary>FAST5: HDF5, single-read or multi-read (older MinKNOW output and most public data).</summary>
    Fast5,
    /// <summary>SLOW5: the community's tab-separated text format.</summary>
    Slow5,
    /// <summary>BLOW5: the binary form of SLOW5.</summary>
    Blow5,
}
