using System.Globalization;

namespace Dipper.Tpu.EdgeTpu;

/// <summary>
/// Options for one Edge TPU delegate, passed to <c>edgetpu_create_delegate</c> as name/value strings. Null
/// leaves libedgetpu's default (Performance Max; bulk-in queue 8 when opened this way).
/// </summary>
public sealed record EdgeTpuDelegateOptions
{
    /// <summary>Core clock.</summary>
    public EdgeTpuPerformance? Performance { get; init; }

    /// <summary>USB only: queued bulk-in transfers, 0 (off) to 256.</summary>
    public int? UsbMaxBulkInQueueLength { get; init; }

    /// <summary>USB only: force a firmware download on open.</summary>
    public bool? UsbAlwaysDfu { get; init; }

    /// <summary>The option strings libedgetpu parses, in a fixed order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value libedgetpu would reject.</exception>
    public IReadOnlyList<KeyValuePair<string, string>> ToNativeOptions()
    {
        var options = new List<KeyValuePair<string, string>>();
        if (Performance is { } p)
        {
            if (!Enum.IsDefined(p)) throw new ArgumentOutOfRangeException(nameof(Performance), p, "unknown Edge TPU performance level");
            options.Add(new("Performance", p.ToString()));
        }
        if (UsbMaxBulkInQueueLength is { } q)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(q, nameof(UsbMaxBulkInQueueLength));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 256, nameof(UsbMaxBulkInQueueLength));
            options.Add(new("Usb.MaxBulkInQueueLength", q.ToString(CultureInfo.InvariantCulture)));
        }
        if (UsbAlwaysDfu is { } dfu) options.Add(new("Usb.AlwaysDfu", dfu ? "True" : "False"));
        return options;
    }
}
