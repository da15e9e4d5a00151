using Dipper.Device.Journal;
using Dipper.Device.Service;
using Dipper.Device.Status;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dipper.Device.Tests.Service;

/// <summary>The appliance host started in the test process, with handles on its parts.</summary>
internal sealed class InProcessService : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessService(IHost host) => _host = host;

    public static async Task<InProcessService> StartAsync(RunSettings settings)
    {
        var host = ApplianceHost.Build(settings with
        {
            ConfigurationArgs = [.. settings.ConfigurationArgs, "--Logging:LogLevel:Default=Warning"],
        });
        await host.StartAsync();
        return new InProcessService(host);
    }

    public IServiceProvider Services => _host.Services;
    public CallJournal Journal => _host.Services.GetRequiredService<CallJournal>();
    public ServiceActivity State => _host.Services.GetRequiredService<ServiceActivity>();
    public Uri StatusAddress => _host.Services.GetRequiredService<StatusServer>().Address!;

    public Task StopAsync() => _host.StopAsync();

    public async Task WaitUntilAsync(Func<JournalTotals, bool> condition, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(60));
        while (!condition(Journal.Totals()))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out; journal: {Journal.Totals()}, problems: {string.Join(" | ", State.Problems.Snapshot().Select(p => p.Message))}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
