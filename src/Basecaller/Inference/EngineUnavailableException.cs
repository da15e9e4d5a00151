namespace Dipper.Basecaller.Inference;

/// <summary>
/// The engine asked for cannot run here: not built into this program, no device attached, or the
/// model package has no file for it. Distinct from <see cref="InferenceException"/> (an engine that
/// ran and failed) so the caller can fall back or tell the operator what to install.
/// </summary>
public class EngineUnavailableException : Exception
{
    /// <summary>Creates the error for an engine name.</summary>
    public EngineUnavailableException(string engine, string message) : base(message) => Engine = engine;

    /// <summary>The engine that was asked for.</summary>
    public string Engine { get; }
}
