namespace Dipper.Compiler.Import;

/// <summary>
/// A checkpoint that cannot be read: damaged zip, an unsupported pickle opcode or Python class, a
/// storage of the wrong size. The message names the file, and the pickle offset when there is one,
/// so a user can tell a corrupt download from a checkpoint saved by a newer PyTorch.
/// </summary>
public sealed class CheckpointFormatException : Exception
{
    /// <summary>Creates the error with a message that already names the file.</summary>
    public CheckpointFormatException(string message) : base(message)
    {
    }

    /// <summary>Creates the error, keeping the lower-level cause for diagnosis.</summary>
    public CheckpointFormatException(string message, Exception inner) : base(message, inner)
    {
    }
}
