namespace Dipper.Basecaller.Inference;

/// <summary>
/// An engine could not compute a batch. Distinct from bad input so the pipeline can retry the same
/// batch on another engine (another TPU, then the CPU) and lose no read.
/// </summary>
public class InferenceException : Exception
{
    /// <summary>Creates the error for an engine.</summary>
    public InferenceException(string engine, string message, Exception? inner = null)
        : base($"{engine}: {message}", inner) => Engine = engine;

    /// <summary>The engine that failed.</summary>
    public string Engine { get; }
}
