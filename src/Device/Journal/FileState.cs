namespace Dipper.Device.Journal;

/// <summary>How a signal file was settled.</summary>
public enum FileState
{
    /// <summary>Its calls are on disk under their final name.</summary>
    Done,

    /// <summary>It stayed damaged after the stability delay (or could not be read), or its reads are of another chemistry than the model's: set aside until it changes.</summary>
    Failed,
}
