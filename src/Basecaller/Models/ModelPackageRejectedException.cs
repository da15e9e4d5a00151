namespace Dipper.Basecaller.Models;

/// <summary>
/// A model package failed validation and was not activated; the model that was active stays active.
/// The message names the package and the file or check that failed.
/// </summary>
public sealed class ModelPackageRejectedException : Exception
{
    /// <summary>Creates the error for <paramref name="package"/>.</summary>
    public ModelPackageRejectedException(string package, string reason, Exception? inner = null)
        : base($"{package}: refused: {reason}", inner)
    {
        Package = package;
        Reason = reason;
    }

    /// <summary>The package folder that was refused.</summary>
    public string Package { get; }

    /// <summary>What was wrong with it.</summary>
    public string Reason { get; }
}
