using System.Net;
using Microsoft.Extensions.Options;

namespace Dipper.Device.Status;

/// <summary>Checks <see cref="StatusOptions"/> at start, naming the setting that is wrong.</summary>
public sealed class StatusOptionsValidator : IValidateOptions<StatusOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, StatusOptions options)
    {
        var problems = new List<string>();
        if (!IPAddress.TryParse(options.Address, out _))
            problems.Add($"Status:Address '{options.Address}' is not an IP address (127.0.0.1 for this machine only, 0.0.0.0 for every interface)");
        if (options.Port is < 0 or > 65535)
            problems.Add($"Status:Port must be 0 to 65535, not {options.Port}");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
