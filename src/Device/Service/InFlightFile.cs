using Dipper.Device.Journal;
using Dipper.Device.Watching;

namespace Dipper.Device.Service;

/// <summary>
/// A signal file whose reads are in the pipeline. It is finished when the source has read it to the end
/// and every read it yielded has come out of the pipeline, written or refused; only then can its output be
/// committed, since reads of several files finish interleaved.
/// </summary>
internal sealed class InFlightFile(CompleteSignalFile signal, CallsFile output)
{
    public Lock Gate { get; } = new();
    public CompleteSignalFile Signal { get; } = signal;
    public CallsFile Output { get; } = output;
    public string OutputPath => Output.Path;
    public List<ReadDone> Reads { get; } = [];
    public int Loaded { get; set; }
    public int Refused { get; set; }
    public string? FirstRefusal { get; set; }
    /// <summary>Why the file is set aside although it is readable: its reads are of another chemistry than the model's.</summary>
    public string? WrongChemistry { get; set; }
    public bool Ended { get; set; }
    public string? Error { get; set; }
    public bool Finished { get; set; }

    public bool AllAccountedFor => Ended && Reads.Count + Refused == Loaded;
}
