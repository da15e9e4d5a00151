using System.Net.Http.Json;
using System.Text.Json;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Signal;
using Dipper.Device.Commands;
using Dipper.Device.Journal;
using Dipper.Device.Service;

namespace Dipper.Device.Tests.Service;

[Collection(nameof(ServiceRuns))]
public sealed class ServiceHostTests : IDisposable
{
    private readonly TestFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    [Fact]
    public async Task Bad_settings_stop_the_start_with_exit_2_naming_each_setting()
    {
        var errors = new StringWriter();
        var missing = Path.Combine(_folders.Root, "no-such-run");
        var exit = await RunCommand.RunAsync(_folders.Settings("--Service:Threads=0", "--Service:PoolingBudget=-5", "--Status:Address=localhost") with { Inputs = [missing] }, errors);

        Assert.Equal(2, exit);
        var text = errors.ToString();
        Assert.Contains($"Service:Input: input folder '{missing}' does not exist", text);
        Assert.Contains("Service:Threads must be 1 to 64, not 0", text);
        Assert.Contains("Service:PoolingBudget must be 0 (no bound) or a number of samples, not -5", text);
        Assert.Contains("Status:Address 'localhost' is not an IP address", text);
    }

    [Fact]
    public async Task Missing_configuration_file_named_with_config_is_an_error()
    {
        var errors = new StringWriter();
        var exit = await RunCommand.RunAsync(_folders.Settings() with { ConfigFile = Path.Combine(_folders.Root, "nope.json") }, errors);
        Assert.Equal(2, exit);
        Assert.Contains("nope.json' does not exist", errors.ToString());
    }

    [Fact]
    public async Task Configuration_file_settings_are_used_and_the_command_line_wins()
    {
        File.WriteAllText(_folders.Config, """{ "Service": { "Threads": 0, "Beam": 0 } }""");
        var errors = new StringWriter();
        var exit = await RunCommand.RunAsync(_folders.Settings() with { Threads = 1, Greedy = false }, errors);
        Assert.Equal(2, exit);
        Assert.Contains("Service:Beam must be at least 1", errors.ToString());
        Assert.DoesNotContain("Service:Threads", errors.ToString());
    }

    [Fact]
    public async Task Status_port_in_use_stops_the_start_with_exit_1()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var errors = new StringWriter();
        var exit = await RunCommand.RunAsync(_folders.Settings("--Logging:LogLevel:Default=None") with { StatusPort = port }, errors);
        Assert.Equal(1, exit);
        Assert.Contains("could not start", errors.ToString());
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), errors.ToString());
    }

    [Fact]
    public async Task Output_renamed_into_place_before_its_journal_commit_was_lost_marks_its_input_done()
    {
        var input = _folders.Put(TestFolders.SampleFiles(1)[0], Path.Combine("fast5_pass", "a.fast5"));
        var readId = (await ReadIdsAsync(input)).Single();
        var output = Path.Combine(_folders.Output, "fast5_pass", "a.fast5.fastq.gz");
        using (var file = new CallsFile(output))
        {
            file.Write(new CalledRead(new Read(readId, [1], new SignalCalibration(0, 1), 4000), new DecodedSequence("ACGT", "++++"), "m"));
            file.Commit();
        }
        var written = File.GetLastWriteTimeUtc(output);

        await using var service = await InProcessService.StartAsync(_folders.Settings());
        await service.WaitUntilAsync(t => t.FilesDone == 1);

        Assert.Equal(written, File.GetLastWriteTimeUtc(output));
        Assert.Equal([(readId, "ACGT")], GzFastq.Read(output));
        Assert.Equal([readId], service.Journal.ReadIds(input));
        Assert.Equal(0, service.State.CommittedFiles);
    }

    [Fact]
    public async Task Unfinished_outputs_left_by_a_killed_run_are_deleted_and_their_inputs_called()
    {
        var input = _folders.Put(TestFolders.SampleFiles(1)[0], "a.fast5");
        Directory.CreateDirectory(_folders.Output);
        var partial = Path.Combine(_folders.Output, "a.fast5.fastq.gz.partial");
        File.WriteAllText(partial, "half a gzip stream");
        var orphan = Path.Combine(_folders.Output, "deleted-since.pod5.fastq.gz.partial");
        File.WriteAllText(orphan, "half a gzip stream of an input that is gone");

        await using var service = await InProcessService.StartAsync(_folders.Settings());
        Assert.False(File.Exists(orphan));
        await service.WaitUntilAsync(t => t.FilesDone == 1);
        Assert.False(File.Exists(partial));

        var output = Path.Combine(_folders.Output, "a.fast5.fastq.gz");
        Assert.Equal(await ReadIdsAsync(input), GzFastq.Read(output).Select(r => r.ReadId));
        Assert.Equal(output, service.Journal.Find(input)!.Output);
    }

    [Fact]
    public async Task Stop_finishes_and_commits_the_files_in_flight()
    {
        foreach (var (file, i) in TestFolders.SampleFiles(6).Select((f, i) => (f, i))) _folders.Put(file, $"r{i}.fast5");
        var service = await InProcessService.StartAsync(_folders.Settings("--Service:FilesInFlight=2"));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (service.State.FilesInFlight == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no file went in flight");
            await Task.Delay(20);
        }
        var inFlight = service.State.FilesInFlight;
        var doneBefore = service.Journal.Totals().FilesDone;

        await service.StopAsync();

        var totals = service.Journal.Totals();
        Assert.True(totals.FilesDone >= doneBefore + inFlight, $"{inFlight} in flight, {doneBefore} done before stop, {totals.FilesDone} after");
        Assert.Equal(0, service.State.FilesInFlight);
        Assert.Empty(Directory.GetFiles(_folders.Output, "*.partial", SearchOption.AllDirectories));
        Assert.Equal(totals.FilesDone, Directory.GetFiles(_folders.Output, "*.fastq.gz", SearchOption.AllDirectories).Length);
        await service.DisposeAsync();
    }

    [Fact]
    public async Task Read_the_model_cannot_call_is_noted_and_the_rest_of_its_file_committed()
    {
        var input = _folders.Put(TestFolders.Data("formats", "blow5", "r10_5khz_one_read.blow5"), "five_khz.blow5");

        await using var service = await InProcessService.StartAsync(_folders.Settings());
        await service.WaitUntilAsync(t => t.FilesDone == 1);

        var entry = service.Journal.Find(input)!;
        Assert.Equal(FileState.Done, entry.State);
        Assert.Equal(0, entry.Reads);
        Assert.Equal(1, entry.Refused);
        Assert.Contains("sample rate 5000 Hz is not supported", entry.Error);
        Assert.Empty(GzFastq.Read(Path.Combine(_folders.Output, "five_khz.blow5.fastq.gz")));
        Assert.Contains(service.State.Problems.Snapshot(), p => p.Message.Contains("28f170ce-c4e3-4b96-b98b-e435e9085bf5"));
    }

    private static async Task<List<string>> ReadIdsAsync(string path)
    {
        var ids = new List<string>();
        await using var reader = SignalFile.Open(path);
        await foreach (var read in reader.ReadAllAsync()) ids.Add(read.ReadId);
        return ids;
    }

    [Fact]
    public async Task File_of_another_chemistry_is_set_aside_once_with_the_reason_on_status_and_the_others_are_called()
    {
        var r10 = _folders.Put(TestFolders.Data("formats", "pod5", "r10_4khz_four_reads.pod5"), "r10.pod5");
        var r94 = _folders.Put(TestFolders.SampleFiles(1)[0], "r94.fast5");

        await using var service = await InProcessService.StartAsync(_folders.Settings());
        await service.WaitUntilAsync(t => t.FilesDone == 1 && t.FilesFailed == 1);

        var entry = service.Journal.Find(r10)!;
        Assert.Equal(FileState.Failed, entry.State);
        Assert.Contains("chemistry R10.4.1 DNA (flow cell FLO-MIN114, kit SQK-RBK114-96) does not match model 'sbonito_80_bb_swish' (R9.4.1 DNA)", entry.Error);
        Assert.False(File.Exists(Path.Combine(_folders.Output, "r10.pod5.fastq.gz")));
        Assert.Empty(Directory.GetFiles(_folders.Output, "*.partial", SearchOption.AllDirectories));
        Assert.Single(GzFastq.Read(Path.Combine(_folders.Output, "r94.fast5.fastq.gz")));
        Assert.Equal(FileState.Done, service.Journal.Find(r94)!.State);

        using var http = new HttpClient { BaseAddress = service.StatusAddress };
        var status = await http.GetFromJsonAsync<JsonElement>("/status");
        var setAside = Assert.Single(status.GetProperty("setAside").EnumerateArray());
        Assert.Equal(r10, setAside.GetProperty("path").GetString());
        Assert.Contains("R10.4.1 DNA", setAside.GetProperty("error").GetString());
        Assert.Contains("(R9.4.1 DNA)", setAside.GetProperty("error").GetString());

        // Not called again: a few rescans later its four reads have been refused once, not again.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(4, service.State.Counters!.ReadsFailed);
        Assert.Equal(1, service.Journal.Totals().FilesFailed);
    }

    [Fact]
    public async Task Ignore_chemistry_from_the_command_line_calls_the_file_of_another_chemistry()
    {
        var r10 = _folders.Put(TestFolders.Data("formats", "pod5", "r10_4khz_four_reads.pod5"), "r10.pod5");

        await using var service = await InProcessService.StartAsync(_folders.Settings() with { IgnoreChemistry = true });
        await service.WaitUntilAsync(t => t.FilesDone == 1);

        Assert.Equal(FileState.Done, service.Journal.Find(r10)!.State);
        Assert.Equal(4, GzFastq.Read(Path.Combine(_folders.Output, "r10.pod5.fastq.gz")).Count);
        Assert.Equal(0, service.Journal.Totals().FilesFailed);
    }
}
