namespace Dipper.Basecaller.Native;

/// <summary>htslib could not be loaded; the message names the Debian package that installs it.</summary>
public sealed class HtsUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HtsUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
