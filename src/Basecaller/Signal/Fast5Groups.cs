using System.Reflection;
using PureHDF;
using PureHDF.VOL.Native;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Opens FAST5 groups the way the HDF5 library does: by the links in each group's own object header, never by
/// the copy of them its parent's symbol table may cache.
/// </summary>
/// <remarks>
/// An old-style ("symbol table") group's entry for a child group may cache where that child's symbol table lies
/// (the entry's scratch pad). PureHDF 2.2 lists and looks up a child's links from that cache whenever it is
/// there. In some real single-read files (the Klebsiella R9.4.1 reads of deepnano-blitz, MinKNOW 2017) the groups
/// <c>/Raw/Reads</c> and <c>/UniqueGlobalKey</c> hold their links as link messages in their object headers
/// ("new-style" compact storage) while the cache in their parents' entries still names an old, empty symbol table:
/// through the cache those groups look empty (no read, no channel calibration), while h5dump, h5py and the HDF5
/// library, which read the object header, see the read. Dropping the cache makes PureHDF read the header too; for a
/// group whose cache is right that reads the same links.
/// </remarks>
internal static class Fast5Groups
{
    /// <summary>PureHDF's private field holding the cache; null if a later PureHDF has none (then nothing is dropped).</summary>
    private static readonly FieldInfo? ScratchPad =
        typeof(NativeGroup).GetField("_scratchPad", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary><paramref name="entry"/> with any cached symbol table dropped, if it is a group; else as it is.</summary>
    public static IH5Object FromHeader(IH5Object entry)
    {
        if (entry is NativeGroup group && ScratchPad is not null) ScratchPad.SetValue(group, null);
        return entry;
    }

    /// <summary>The group at <paramref name="path"/> (segments separated by '/') below <paramref name="parent"/>, each segment read from its header.</summary>
    /// <exception cref="Exception">A segment does not exist (PureHDF's exception).</exception>
    public static IH5Group Open(IH5Group parent, string path)
    {
        var group = parent;
        foreach (var segment in path.Split('/')) group = (IH5Group)FromHeader(group.Group(segment));
        return group;
    }

    /// <summary>The group at <paramref name="path"/> below <paramref name="parent"/>, or null when a segment does not exist.</summary>
    public static IH5Group? OpenOptional(IH5Group parent, string path)
    {
        var group = parent;
        foreach (var segment in path.Split('/'))
        {
            if (!group.LinkExists(segment)) return null;
            group = (IH5Group)FromHeader(group.Group(segment));
        }
        return group;
    }
}
