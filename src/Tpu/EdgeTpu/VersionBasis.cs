namespace Dipper.Tpu.EdgeTpu;

/// <summary>Where the TensorFlow version libedgetpu was built against was learned from, best first.</summary>
public enum VersionBasis
{
    /// <summary>libedgetpu's own version string names it (some source builds do).</summary>
    VersionString,

    /// <summary>The installed Debian package's version names it (e.g. "16.0tf2.16.1-1").</summary>
    DebianPackage,

    /// <summary>Inferred from the runtime number through Coral's official releases (an assumption).</summary>
    ReleaseTable,

    /// <summary>Not determined.</summary>
    None,
}
