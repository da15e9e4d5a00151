namespace Dipper.Basecaller.Signal;

/// <summary>
/// One nanopore read as the sequencer recorded it: the raw current trace of a single molecule through
/// a single pore, with what is needed to calibrate it and to trace it back to its run and channel.
/// Every reader (POD5, FAST5, SLOW5/BLOW5) produces this one type so the rest of the pipeline never
/// knows which file format the signal came from.
/// </summary>
public sealed class Read
{
    /// <summary>Creates a read; the signal array is taken over, not copied.</summary>
    public Read(string readId, short[] signal, SignalCalibration calibration, double sampleRate)
    {
        ArgumentException.ThrowIfNullOrEmpty(readId);
        ArgumentNullException.ThrowIfNull(signal);
        ReadId = readId;
        Signal = signal;
        Calibration = calibration;
        SampleRate = sampleRate;
    }

    /// <summary>The read's UUID as text (lower case, hyphenated), the key every downstream tool joins on.</summary>
    public string ReadId { get; }

    /// <summary>Raw ADC samples, exactly as stored in the file (int16, before calibration).</summary>
    public short[] Signal { get; }

    /// <summary>How to turn <see cref="Signal"/> into picoamperes.</summary>
    public SignalCalibration Calibration { get; }

    /// <summary>Samples per second (4000 or 5000 for DNA, 3000 for RNA); the model refuses rates it was not trained on.</summary>
    public double SampleRate { get; }

    /// <summary>Channel (pore position) on the flow cell, 1-based; 0 when the file does not say.</summary>
    public int Channel { get; init; }

    /// <summary>The read's ordinal number within its channel, as MinKNOW numbers them.</summary>
    public long ReadNumber { get; init; }

    /// <summary>Sample index at which the read started, counted from the start of the run.</summary>
    public ulong StartSample { get; init; }

    /// <summary>Run (acquisition) identifier; reads of one run share it. Null when the file does not record it.</summary>
    public string? RunId { get; init; }

    /// <summary>Flow cell identifier (e.g. FAN12345) where the file has it.</summary>
    public string? FlowCellId { get; init; }

    /// <summary>Sequencing kit (e.g. SQK-LSK108) where the file has it.</summary>
    public string? SequencingKit { get; init; }

    /// <summary>Flow cell product code (e.g. FLO-MIN106, FLO-PRO114M), which names the pore, where the file has it.</summary>
    public string? FlowCellProductCode { get; init; }

    /// <summary>What was sequenced as MinKNOW records it (e.g. genomic_dna, rna), where the file has it.</summary>
    public string? ExperimentType { get; init; }

    /// <summary>
    /// The sequencing protocol script (e.g. "sequencing/sequencing_MIN114_DNA_e8_2_400T:FLO-MIN114:SQK-RBK114-96:400"),
    /// which names the flow cell and kit even in files too old to record them on their own.
    /// </summary>
    public string? SequencingProtocol { get; init; }

    /// <summary>Experiment or sample name given by the operator, where the file has it.</summary>
    public string? ExperimentName { get; init; }

    /// <summary>
    /// The clock time the run (acquisition) began, in UTC (<see cref="RunStartTime"/>): POD5 run info's
    /// acquisition_start_time, FAST5 and SLOW5/BLOW5 exp_start_time. Null when the file does not record it.
    /// </summary>
    public DateTimeOffset? RunStartTime { get; init; }

    /// <summary>The file this read came from, for error messages and provenance.</summary>
    public string? SourcePath { get; init; }

    /// <summary>The pore and molecule this read's run metadata names (<see cref="SequencingChemistry.Of"/>).</summary>
    public SequencingChemistry Chemistry => SequencingChemistry.Of(this);

    /// <summary>
    /// The same read (signal shared, not copied) filed under another source path, e.g. the path a service
    /// routes it by when a reader names its file otherwise.
    /// </summary>
    public Read WithSourcePath(string path) => new(ReadId, Signal, Calibration, SampleRate)
    {
        Channel = Channel,
        ReadNumber = ReadNumber,
        StartSample = StartSample,
        RunId = RunId,
        FlowCellId = FlowCellId,
        FlowCellProductCode = FlowCellProductCode,
        SequencingKit = SequencingKit,
        ExperimentType = ExperimentType,
        SequencingProtocol = SequencingProtocol,
        ExperimentName = ExperimentName,
        RunStartTime = RunStartTime,
        SourcePath = path,
    };

    /// <summary>Number of raw samples; the read's length in time is this divided by <see cref="SampleRate"/>.</summary>
    public int SampleCount => Signal.Length;

    /// <summary>The start time in seconds since the run began, derived from the start sample and rate.</summary>
    public double StartTimeSeconds => SampleRate > 0 ? StartSample / SampleRate : 0;

    /// <summary>
    /// The clock time (UTC) of the read's first sample, to the millisecond: the run's start plus
    /// <see cref="StartTimeSeconds"/>. Null when the file does not record the run's start.
    /// </summary>
    public DateTimeOffset? StartTime => Dipper.Basecaller.Signal.RunStartTime.OfSample(RunStartTime, StartSample, SampleRate);
}
