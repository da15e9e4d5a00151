namespace Dipper.Device.Status;

/// <summary>Where the status page, <c>/status</c> and <c>/metrics</c> are served: configuration section <c>Status</c>.</summary>
public sealed class StatusOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string Section = "Status";

    /// <summary>Address to listen on; loopback by default so the appliance shows nothing to the network unless asked to.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (tests), which is then logged.</summary>
    public int Port { get; set; } = 8047;
}
