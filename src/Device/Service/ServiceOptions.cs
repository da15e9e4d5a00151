using Microsoft.Extensions.Configuration;

namespace Dipper.Device.Service;

/// <summary>
/// What the appliance watches, where it writes and how it calls: configuration section <c>Service</c>
/// (appsettings.json beside the program, then /etc/dipper/dipperd.json, then the command line).
/// </summary>
public sealed class ServiceOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string Section = "Service";

    /// <summary>Configuration key of <see cref="InputFolders"/>, named like the command-line option (--input).</summary>
    public const string InputKey = "Input";

    /// <summary>Configuration key of <see cref="OutputFolder"/> (--output).</summary>
    public const string OutputKey = "Output";

    /// <summary>Configuration key of <see cref="StateFolder"/> (--state).</summary>
    public const string StateKey = "State";

    /// <summary>Folders the sequencer writes signal files to, searched recursively (MinKNOW's run folders: pod5/, fast5_pass/…).</summary>
    [ConfigurationKeyName(InputKey)]
    public List<string> InputFolders { get; set; } = [];

    /// <summary>Where the FASTQ.gz files go: one per signal file, mirroring its place under its input folder.</summary>
    [ConfigurationKeyName(OutputKey)]
    public string OutputFolder { get; set; } = "";

    /// <summary>Where the journal lives; must survive reboots, or every file is called again.</summary>
    [ConfigurationKeyName(StateKey)]
    public string StateFolder { get; set; } = "";

    /// <summary>Model package folder; empty for the bundled default model.</summary>
    public string? Model { get; set; }

    /// <summary>
    /// Engine name, or "auto" for the best one available (Edge TPUs with a CPU fallback when plugged in). A model with
    /// dynamic pooling runs on ONNX Runtime whatever this says (its parts have no TFLite or Edge TPU models; see <see cref="EngineSet"/>).
    /// </summary>
    public string Engine { get; set; } = "auto";

    /// <summary>Inference workers, one engine each.</summary>
    public int Threads { get; set; } = 2;

    /// <summary>
    /// Run an int8 model's depthwise layers on Dipper's kernel where the CPU has AVX-512 BW (the default): ONNX Runtime's
    /// outputs, faster (<see cref="Basecaller.Inference.InferenceEngineOptions.DepthwiseKernel"/>). False keeps ONNX
    /// Runtime's own kernels.
    /// </summary>
    public bool DepthwiseKernel { get; set; } = true;

    /// <summary>Chunks per network call when the model allows a choice; null (the default) for 57,600 samples' worth (<see cref="Basecaller.Inference.InferenceEngineOptions.BatchFor"/>), 32 chunks of 1,800.</summary>
    public int? Batch { get; set; }

    /// <summary>Samples per chunk; null (the default) for the model manifest's. Only a model with a dynamic input length (ONNX) takes another.</summary>
    public int? Chunk { get; set; }

    /// <summary>Samples shared by consecutive chunks; null (the default) for the model manifest's.</summary>
    public int? Overlap { get; set; }

    /// <summary>
    /// For a model with dynamic pooling: the most samples of reads between its first part and the pooling at once (a longer
    /// read runs alone; <see cref="Basecaller.Pipeline.BasecallPipelineOptions.PoolingBudget"/>); 0 for no bound.
    /// </summary>
    public long PoolingBudget { get; set; } = Basecaller.Pipeline.BasecallPipelineOptions.DefaultPoolingBudget;

    /// <summary>The pooling budget in the pipeline's terms: null for no bound.</summary>
    public long? PoolingBudgetSamples => PoolingBudget > 0 ? PoolingBudget : null;

    /// <summary>CTC beam width; 1 for greedy decoding.</summary>
    public int Beam { get; set; } = 5;

    /// <summary>
    /// Call reads whose run metadata names another chemistry than the model's (e.g. R10.4.1 reads for an R9.4.1
    /// model). Off by default: such files are set aside with the reason on the status page.
    /// </summary>
    public bool IgnoreChemistry { get; set; }

    /// <summary>
    /// How long a file's size and modification time must stay unchanged before it is taken as finished.
    /// Longer than the sequencer's longest pause between writes to one file, shorter than the latency one will accept.
    /// </summary>
    public TimeSpan StabilityDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the input folders are listed again in full, for the changes file-system notifications miss (NFS, USB disks, overflow).</summary>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Signal files being called at once: enough to keep the engines busy across file ends, few enough to bound the open outputs.</summary>
    public int FilesInFlight { get; set; } = 4;

    /// <summary>How long a stop (SIGTERM) may take to finish the files in flight before they are abandoned (and called again on the next start).</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>How long to wait before building the engines again after an engine failure stopped the pipeline.</summary>
    public TimeSpan EngineRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often a service paused by an output or state folder that could not be written (disk full, read-only,
    /// gone) looks at it again, so calling resumes this soon after it is fixed; also the shortest wait before calling again.
    /// </summary>
    public TimeSpan StorageRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest wait before calling again: the wait doubles each time calling resumed and the folder failed again
    /// before a file was committed, so a disk that only seems to have room is not hammered.
    /// </summary>
    public TimeSpan StorageRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The CTC beam width in the pipeline's terms.</summary>
    public int BeamWidth => Math.Max(1, Beam);
}
