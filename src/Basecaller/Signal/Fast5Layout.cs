using PureHDF;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Where a FAST5 file keeps each read's parts. Two layouts exist:
/// <list type="bullet">
/// <item>single-read (MinKNOW before 2019, most public R9 data): one read per file,
/// <c>/Raw/Reads/Read_N/Signal</c> with the read's attributes on <c>Read_N</c>, and the channel's
/// calibration and the run's metadata in <c>/UniqueGlobalKey/{channel_id, tracking_id, context_tags}</c>;</item>
/// <item>multi-read (MinKNOW 2019 onwards, 4000 reads per file): one group per read,
/// <c>/read_&lt;uuid&gt;/Raw/Signal</c> with the read's attributes on <c>Raw</c>, and
/// <c>channel_id</c>, <c>tracking_id</c>, <c>context_tags</c> beside <c>Raw</c>.</item>
/// </list>
/// </summary>
internal sealed class Fast5Layout
{
    private const string MultiReadPrefix = "read_";
    private const string ReadsPath = "Raw/Reads";
    private readonly IH5Group _root;

    private Fast5Layout(IH5Group root, bool isMultiRead)
    {
        _root = root;
        IsMultiRead = isMultiRead;
    }

    /// <summary>True for the multi-read layout.</summary>
    public bool IsMultiRead { get; }

    /// <summary>
    /// Recognises the layout: single-read files have <c>/Raw</c>, anything else is read as multi-read
    /// (a file without read_* groups then yields no reads, which the reader reports). Children are
    /// not opened here, so one damaged read group cannot hide the rest.
    /// Throws whatever PureHDF throws when the root cannot be read; the reader reports that as damage.
    /// </summary>
    public static Fast5Layout Detect(IH5Group root) => new(root, isMultiRead: !root.LinkExists("Raw"));

    /// <summary>
    /// The read groups, in file order (the order of the parent group's links), resolved lazily so the
    /// file is walked one read at a time. An entry PureHDF could not resolve arrives as an
    /// <see cref="IH5UnresolvedLink"/>.
    /// </summary>
    public IEnumerable<IH5Object> ReadGroups()
    {
        var parent = IsMultiRead ? _root : Fast5Groups.Open(_root, ReadsPath);
        return parent.Children()
            .Where(child => !IsMultiRead || child.Name.StartsWith(MultiReadPrefix, StringComparison.Ordinal))
            .Select(Fast5Groups.FromHeader);
    }

    /// <summary>Where the read groups are, for messages: <c>/Raw/Reads</c> (single-read) or the root's <c>read_*</c> groups (multi-read).</summary>
    public string ReadGroupsPlace => IsMultiRead ? "the root's read_* groups" : $"/{ReadsPath}";

    /// <summary>The read id a multi-read group's name carries (<c>read_&lt;uuid&gt;</c>); null for single-read groups.</summary>
    public string? IdFromName(string groupName) =>
        IsMultiRead && groupName.StartsWith(MultiReadPrefix, StringComparison.Ordinal) ? groupName[MultiReadPrefix.Length..] : null;

    /// <summary>Finds the parts of one read group.</summary>
    public Fast5ReadParts Locate(IH5Group readGroup)
    {
        if (IsMultiRead)
        {
            var raw = Fast5Groups.Open(readGroup, "Raw");
            return new Fast5ReadParts(raw, raw.Dataset("Signal"),
                Optional(readGroup, "channel_id"), Optional(readGroup, "tracking_id"), Optional(readGroup, "context_tags"),
                RunIdHolder: readGroup);
        }
        return new Fast5ReadParts(readGroup, readGroup.Dataset("Signal"),
            Optional(_root, "UniqueGlobalKey/channel_id"), Optional(_root, "UniqueGlobalKey/tracking_id"),
            Optional(_root, "UniqueGlobalKey/context_tags"), RunIdHolder: null);
    }

    private static IH5Group? Optional(IH5Group parent, string path) => Fast5Groups.OpenOptional(parent, path);
}

/// <summary>The HDF5 objects that together describe one read.</summary>
/// <param name="ReadAttributes">Holds read_id, read_number, start_time, duration.</param>
/// <param name="Signal">The raw int16 samples.</param>
/// <param name="Channel">channel_id: calibration, sample rate, channel number (absent in some files).</param>
/// <param name="Tracking">tracking_id: run id, flow cell, experiment.</param>
/// <param name="Context">context_tags: sequencing kit, experiment type.</param>
/// <param name="RunIdHolder">A group carrying its own run_id attribute (multi-read read groups).</param>
internal sealed record Fast5ReadParts(IH5Object ReadAttributes, IH5Dataset Signal, IH5Group? Channel,
    IH5Group? Tracking, IH5Group? Context, IH5Object? RunIdHolder);
