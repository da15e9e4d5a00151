using System.Net.Sockets;
using System.Text;

namespace Dipper.Device.Tests.Service;

/// <summary>
/// <c>dipperd run</c> talking to systemd's notification socket, played by the test: with <c>WatchdogSec=</c> set
/// (WATCHDOG_USEC), the watchdog is fed while the service works and when idle, and STATUS= says what it does.
/// </summary>
[Collection(nameof(ServiceRuns))]
public sealed class NotifySocketTests : IDisposable
{
    private readonly TestFolders _folders = new("dipper-notify-");

    public void Dispose() => _folders.Dispose();

    [Fact]
    public async Task Watchdog_is_fed_and_status_reported_through_the_notify_socket()
    {
        foreach (var (file, i) in TestFolders.SampleFiles(2).Select((f, i) => (f, i))) _folders.Put(file, $"r{i}.fast5");
        var socketPath = Path.Combine(_folders.Root, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        using var run = new DipperdProcess(
            ["run", "--input", _folders.Input, "--output", _folders.Output, "--state", _folders.State, "--config", _folders.Config,
             "--greedy", "--threads", "1", "--status-port", "0", "--Service:StabilityDelay=00:00:00.300"],
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "2000000" });

        var messages = new List<string>();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!messages.Any(m => m.StartsWith("STATUS=Running: 2 files", StringComparison.Ordinal)) || messages.Count(m => m == "WATCHDOG=1") < 3)
        {
            var received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, received));
        }
        Assert.True(await run.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(30)), run.Output);
        Assert.Equal(0, await run.TerminateAsync(TimeSpan.FromSeconds(30)));
    }
}
