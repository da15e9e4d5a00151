using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Device.Commands;
using Microsoft.Extensions.Options;

namespace Dipper.Device.Service;

/// <summary>
/// Checks <see cref="ServiceOptions"/> when the host starts, so a wrong folder or model stops the
/// service at once with a message naming the setting, instead of a crash minutes later. Creates the
/// output and state folders if they are missing: a permission problem is then reported here too.
/// </summary>
public sealed class ServiceOptionsValidator : IValidateOptions<ServiceOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ServiceOptions options)
    {
        var problems = new List<string>();
        if (options.InputFolders.Count == 0)
            problems.Add("Service:Input is empty: give the folder(s) the sequencer writes to (--input DIR, or Service:Input in /etc/dipper/dipperd.json)");
        foreach (var folder in options.InputFolders)
        {
            if (string.IsNullOrWhiteSpace(folder)) problems.Add("Service:Input has an empty entry");
            else if (!Directory.Exists(folder)) problems.Add($"Service:Input: input folder '{folder}' does not exist");
        }
        var names = options.InputFolders.Where(f => !string.IsNullOrWhiteSpace(f)).Select(OutputLayout.FolderName).ToList();
        if (names.Count > 1 && names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            problems.Add($"Service:Input: with several input folders their last names must differ, they name the output subfolders ({string.Join(", ", names)})");
        CheckWritable("Service:Output", options.OutputFolder, problems);
        CheckWritable("Service:State", options.StateFolder, problems);
        if (ModelFolder(options) is not { } model)
        {
            problems.Add($"Service:Model is empty and there is no bundled model at {BundledFiles.Places(BundledFiles.DefaultModel)}");
        }
        else
        {
            try
            {
                ModelPackage.Load(model).WithChunk(options.Chunk, options.Overlap);
            }
            catch (ArgumentException e)
            {
                problems.Add($"Service:Chunk/Service:Overlap: {e.Message}");
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                problems.Add($"Service:Model: {e.Message}");
            }
        }
        if (!string.Equals(options.Engine, EngineFactory.Auto, StringComparison.OrdinalIgnoreCase)
            && !EngineFactory.KnownEngines.Contains(options.Engine, StringComparer.OrdinalIgnoreCase))
            problems.Add($"Service:Engine: unknown engine '{options.Engine}' (known: {EngineFactory.Auto}, {string.Join(", ", EngineFactory.KnownEngines)})");
        if (options.Threads is < 1 or > 64) problems.Add($"Service:Threads must be 1 to 64, not {options.Threads}");
        if (options.Batch is < 1) problems.Add($"Service:Batch must be at least 1, not {options.Batch}");
        if (options.PoolingBudget < 0) problems.Add($"Service:PoolingBudget must be 0 (no bound) or a number of samples, not {options.PoolingBudget}");
        if (options.Beam < 1) problems.Add($"Service:Beam must be at least 1 (1 is greedy decoding), not {options.Beam}");
        if (options.FilesInFlight < 1) problems.Add($"Service:FilesInFlight must be at least 1, not {options.FilesInFlight}");
        if (options.StabilityDelay < TimeSpan.Zero) problems.Add("Service:StabilityDelay must not be negative");
        if (options.RescanInterval <= TimeSpan.Zero) problems.Add("Service:RescanInterval must be positive");
        if (options.StopTimeout <= TimeSpan.Zero) problems.Add("Service:StopTimeout must be positive");
        if (options.EngineRetryDelay < TimeSpan.Zero) problems.Add("Service:EngineRetryDelay must not be negative");
        if (options.StorageRetryDelay <= TimeSpan.Zero) problems.Add("Service:StorageRetryDelay must be positive");
        if (options.StorageRetryMaxDelay < options.StorageRetryDelay) problems.Add("Service:StorageRetryMaxDelay must not be shorter than Service:StorageRetryDelay");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>The model package folder the options name, or the bundled one; null when there is none.</summary>
    public static string? ModelFolder(ServiceOptions options) =>
        string.IsNullOrWhiteSpace(options.Model) ? BundledFiles.Find(BundledFiles.DefaultModel) : options.Model;

    private static void CheckWritable(string setting, string folder, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(folder))
        {
            problems.Add($"{setting} is empty");
            return;
        }
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".dipperd-write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{setting}: '{folder}' cannot be created or written: {e.Message}");
        }
    }
}
