using System.Text;
using Dipper.Device.Journal;
using Dipper.Device.Watching;
using Dipper.Device.Yield;

namespace Dipper.Device.Service;

/// <summary>
/// A signal file whose reads are in the pipeline. It is finished when the source has read it to the end
/// and every read it yielded has come out of the pipeline, written, refused or dropped after its output
/// failed; only then can its output be committed (or abandoned), since reads of several files finish interleaved.
/// </summary>
internal sealed class InFlightFile(CompleteSignalFile signal, CallsFile output, string runFolder)
{
    public Lock Gate { get; } = new();
    public CompleteSignalFile Signal { get; } = signal;
    public CallsFile Output { get; } = output;
    public string OutputPath => Output.Path;
    public List<ReadDone> Reads { get; } = [];

    /// <summary>The run folder whose yield its reads add to once it is committed.</summary>
    public string RunFolder { get; } = runFolder;

    /// <summary>Length and mean quality of each read in <see cref="Reads"/>, in step with it.</summary>
    public List<ReadFigures> Figures { get; } = [];

    /// <summary>The distinct run metadata its reads named (a file holds one run; a handful at most).</summary>
    public HashSet<RunMetadata> Metadata { get; } = [];
    /// <summary>The sequencing summary's lines of the reads written, appended to the run folder's summary once the outputs are committed.</summary>
    public StringBuilder SummaryLines { get; } = new();
    public int Loaded { get; set; }
    public int Refused { get; set; }
    public string? FirstRefusal { get; set; }
    /// <summary>Why the file is set aside although it is readable: its reads are of another chemistry than the model's.</summary>
    public string? WrongChemistry { get; set; }
    public bool Ended { get; set; }
    public string? Error { get; set; }

    /// <summary>Why its output could not be written (the disk filled, the folder went); its remaining reads are dropped.</summary>
    public StorageFault? WriteFault { get; set; }

    /// <summary>Reads that came out after <see cref="WriteFault"/>: called, but with nowhere to go.</summary>
    public int Dropped { get; set; }

    public bool Finished { get; set; }

    public bool AllAccountedFor => Ended && Reads.Count + Refused + Dropped == Loaded;
}
