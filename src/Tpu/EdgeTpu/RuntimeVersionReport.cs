using System.Globalization;
using System.Text.RegularExpressions;

namespace Dipper.Tpu.EdgeTpu;

/// <summary>
/// Compares the TFLite C library's TensorFlow version with the one libedgetpu was built against — the most
/// common Coral failure is a libedgetpu built for another TensorFlow ("Unsupported data type in custom op
/// handler", segfaults).
/// </summary>
/// <remarks>
/// <para><c>TfLiteVersion()</c> gives the TensorFlow release directly ("2.9.0"). <c>edgetpu_version()</c> does not:
/// it reads "BuildLabel(COMPILER=…,DATE=…,TIME=…,CL_NUMBER=…), RuntimeVersion(16)", and the runtime number
/// (the driver/firmware interface) has stayed 16 while libedgetpu was rebuilt for TensorFlow 2.5 up to 2.16.
/// So libedgetpu's TensorFlow version is taken, in order of trust, from (1) a TensorFlow version in the
/// version string itself, (2) the installed Debian package's version, which community and current Coral
/// builds spell "16.0tf2.16.1-1", (3) Coral's official releases of that runtime number — labelled as an
/// assumption in the message, since a source build may use any TensorFlow.</para>
/// <para>Only major.minor is compared: the C structures a delegate shares with TFLite (TfLiteContext,
/// TfLiteDelegate, TfLiteRegistration) change between minor releases, not between patch releases.</para>
/// </remarks>
/// <param name="TfliteVersion">What <c>TfLiteVersion()</c> returned.</param>
/// <param name="EdgeTpuVersion">What <c>edgetpu_version()</c> returned.</param>
/// <param name="RuntimeNumber">The N of "RuntimeVersion(N)", if present.</param>
/// <param name="EdgeTpuTensorFlowVersion">The TensorFlow version libedgetpu was built against, if determined.</param>
/// <param name="Basis">Where <paramref name="EdgeTpuTensorFlowVersion"/> came from.</param>
/// <param name="Agreement">The verdict.</param>
/// <param name="Message">One plain sentence or two for logs and <c>dipperd devices</c>.</param>
public sealed partial record RuntimeVersionReport(
    string TfliteVersion, string EdgeTpuVersion, int? RuntimeNumber, string? EdgeTpuTensorFlowVersion,
    VersionBasis Basis, VersionAgreement Agreement, string Message)
{
    /// <summary>
    /// Coral's official releases: runtime number → TensorFlow (major.minor) of the matching tflite_runtime
    /// (12: 2019 "1.15"; 13, 14: 2020 tflite_runtime 2.1; 15 "Frogfish" and 16 "Grouper": tflite_runtime 2.5).
    /// </summary>
    public static IReadOnlyDictionary<int, string> CoralReleases { get; } = new Dictionary<int, string>
    {
        [12] = "1.15",
        [13] = "2.1",
        [14] = "2.1",
        [15] = "2.5",
        [16] = "2.5",
    };

    /// <summary>Where dpkg records installed packages.</summary>
    public const string DebianStatusFile = "/var/lib/dpkg/status";

    /// <summary>Compares the two libraries' versions.</summary>
    /// <param name="tfliteVersion"><c>TfLiteVersion()</c>.</param>
    /// <param name="edgeTpuVersion"><c>edgetpu_version()</c>.</param>
    /// <param name="debianPackageVersion">Version of the installed libedgetpu1-std/-max package, if any (see <see cref="ReadDebianPackageVersion"/>).</param>
    public static RuntimeVersionReport Compare(string tfliteVersion, string edgeTpuVersion, string? debianPackageVersion = null)
    {
        var runtime = RuntimeNumberPattern().Match(edgeTpuVersion) is { Success: true } m
            ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : (int?)null;
        string? built = null;
        var basis = VersionBasis.None;
        if (TensorFlowPattern().Match(edgeTpuVersion) is { Success: true } inString)
        {
            built = inString.Groups[1].Value;
            basis = VersionBasis.VersionString;
        }
        else if (debianPackageVersion is not null && TensorFlowPattern().Match(debianPackageVersion) is { Success: true } inPackage)
        {
            built = inPackage.Groups[1].Value;
            basis = VersionBasis.DebianPackage;
        }
        else if (runtime is { } n && CoralReleases.TryGetValue(n, out var table))
        {
            built = table;
            basis = VersionBasis.ReleaseTable;
        }

        var runtimeText = runtime is { } r ? $"libedgetpu runtime {r}" : "libedgetpu";
        var tflite = MajorMinor(tfliteVersion);
        if (built is null || tflite is null)
        {
            return new(tfliteVersion, edgeTpuVersion, runtime, built, basis, VersionAgreement.Unknown,
                $"{runtimeText} does not say which TensorFlow it was built for; it must be built for TensorFlow {tflite ?? tfliteVersion} " +
                $"(the TFLite C library's version) or the Edge TPU may fail with 'Unsupported data type in custom op handler' or crash.");
        }
        var source = basis switch
        {
            VersionBasis.VersionString => "its version string",
            VersionBasis.DebianPackage => $"its Debian package {debianPackageVersion}",
            _ => "assumed from Coral's official release of that runtime; the library itself does not say",
        };
        var builtMajorMinor = MajorMinor(built) ?? built;
        if (builtMajorMinor == tflite)
        {
            return new(tfliteVersion, edgeTpuVersion, runtime, built, basis, VersionAgreement.Match,
                $"TFLite {tfliteVersion} and {runtimeText} (built for TensorFlow {built}, {source}) agree.");
        }
        return new(tfliteVersion, edgeTpuVersion, runtime, built, basis, VersionAgreement.Mismatch,
            $"Version mismatch: {runtimeText} was built for TensorFlow {built} ({source}) but the TFLite C library is {tfliteVersion}. " +
            $"Expect 'Unsupported data type in custom op handler' or crashes on the Edge TPU; install the TFLite C library of TensorFlow {builtMajorMinor} " +
            $"or a libedgetpu built for TensorFlow {tflite}.");
    }

    /// <summary>The version of the installed libedgetpu1-std or libedgetpu1-max package, read from dpkg's status file; null when neither is installed.</summary>
    public static string? ReadDebianPackageVersion(string statusFile = DebianStatusFile)
    {
        if (!File.Exists(statusFile)) return null;
        string? package = null, version = null, status = null;
        foreach (var line in File.ReadLines(statusFile).Append(""))
        {
            if (line.Length == 0)
            {
                if (package is "libedgetpu1-std" or "libedgetpu1-max" && status?.EndsWith(" installed", StringComparison.Ordinal) == true)
                    return version;
                package = version = status = null;
            }
            else if (line.StartsWith("Package: ", StringComparison.Ordinal)) package = line[9..].Trim();
            else if (line.StartsWith("Version: ", StringComparison.Ordinal)) version = line[9..].Trim();
            else if (line.StartsWith("Status: ", StringComparison.Ordinal)) status = line[8..].Trim();
        }
        return null;
    }

    private static string? MajorMinor(string version) =>
        MajorMinorPattern().Match(version) is { Success: true } m ? $"{m.Groups[1].Value}.{m.Groups[2].Value}" : null;

    [GeneratedRegex(@"RuntimeVersion\((\d+)\)")]
    private static partial Regex RuntimeNumberPattern();

    [GeneratedRegex(@"(?:tf|tensorflow)[ _=:v-]*(\d+\.\d+(?:\.\d+)?)", RegexOptions.IgnoreCase)]
    private static partial Regex TensorFlowPattern();

    [GeneratedRegex(@"^(\d+)\.(\d+)")]
    private static partial Regex MajorMinorPattern();
}
