using Dipper.Device.Status;

namespace Dipper.Device.Tests.Status;

public sealed class PrometheusTextTests
{
    [Fact]
    public void Counters_get_total_suffix_gauges_keep_their_name_and_tags_become_labels()
    {
        var text = PrometheusText.Write(
        [
            new MetricPoint("dipper.reads.called", true, "Reads written", "{read}", [], 42),
            new MetricPoint("dipper.service.backlog", false, "Files not called yet", "{file}", [new("state", "waiting")], 3),
            new MetricPoint("dipper.service.backlog", false, "Files not called yet", "{file}", [new("state", "in_flight")], 1),
            new MetricPoint("dipper.service.engine.healthy", false, null, null, [new("engine", "edgetpu:/sys/bus/usb/devices/2-1 \"a\"")], 1),
        ]);
        var expected = """
            # HELP dipper_reads_called_total Reads written
            # TYPE dipper_reads_called_total counter
            dipper_reads_called_total 42
            # HELP dipper_service_backlog Files not called yet
            # TYPE dipper_service_backlog gauge
            dipper_service_backlog{state="waiting"} 3
            dipper_service_backlog{state="in_flight"} 1
            # TYPE dipper_service_engine_healthy gauge
            dipper_service_engine_healthy{engine="edgetpu:/sys/bus/usb/devices/2-1 \"a\""} 1

            """.Replace("\r\n", "\n");
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Fractional_values_are_written_with_a_dot_whatever_the_culture()
    {
        var previous = Thread.CurrentThread.CurrentCulture;
        Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        try
        {
            Assert.Contains("dipper_service_latency 1.25\n", PrometheusText.Write([new MetricPoint("dipper.service.latency", false, null, "s", [], 1.25)]));
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = previous;
        }
    }
}
