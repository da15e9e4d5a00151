using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dipper.Device.Status;

/// <summary>
/// Serves the status page (<c>GET /</c> and its <c>/charts.js</c>), <c>GET /status</c> (JSON) and <c>GET /metrics</c> (Prometheus text)
/// from a small Kestrel server of its own, on 127.0.0.1 by default, and samples the throughput history.
/// A web server inside the worker host rather than a web host around the worker keeps the appliance's
/// composition a plain list of services; this is one of them.
/// </summary>
public sealed class StatusServer(IOptions<StatusOptions> options, StatusReporter reporter, MetricsCollector metrics, ServiceMetrics serviceMetrics,
    ThroughputHistory history, TimeProvider time, ILogger<StatusServer> log) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private WebApplication? _app;
    private Task? _sampling;

    /// <summary>The address actually listened on (the port is chosen by the system when configured as 0); null before start.</summary>
    public Uri? Address { get; private set; }

    /// <summary>Starts listening; a port in use stops the host with the error.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(options.Value.Address), options.Value.Port));
        var app = builder.Build();
        // The web server's own logging is off (above), so a request that throws would be a bare 500 with no trace:
        // log it with the service's logger (the journal on the appliance), then let Kestrel answer 500 as before.
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
            {
                log.LogError(e, "status server: GET {Path} failed", context.Request.Path);
                throw;
            }
        });
        var page = StatusPage.Html;
        app.MapGet("/", () => Results.Content(page, "text/html; charset=utf-8"));
        var charts = StatusPage.Charts;
        app.MapGet("/charts.js", () => Results.Content(charts, "text/javascript; charset=utf-8"));
        app.MapGet("/status", () => Results.Json(reporter.Build(), StatusJson.Default.StatusReport));
        app.MapGet("/metrics", () => Results.Text(PrometheusText.Write(metrics.Collect()), PrometheusText.ContentType));
        await app.StartAsync(cancellationToken);
        _app = app;

        var bound = app.Services.GetService(typeof(IServer)) is IServer server
            ? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            : null;
        Address = bound is null ? null : new Uri(bound.Replace("[::]", "localhost"));
        log.LogInformation("status page at {Address} (metrics of {Meters})", Address, serviceMetrics.Meters);
        _sampling = SampleAsync(_stop.Token);
    }

    /// <summary>Stops sampling and serving.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_sampling is not null) await _sampling;
        if (_app is not null) await _app.StopAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _stop.Dispose();
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ThroughputHistory.Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken)) history.Sample(time.GetUtcNow());
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
