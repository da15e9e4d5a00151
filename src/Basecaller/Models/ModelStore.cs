using System.Security.Cryptography;
using System.Text;
using Dipper.Basecaller.Native;

namespace Dipper.Basecaller.Models;

/// <summary>
/// The appliance's models root: one folder per package version and an <c>active</c> symlink that
/// dipperd loads. A new package is copied to a staging folder, validated there (so what is checked
/// is exactly what will run), renamed to its version folder, and only then made active by creating
/// a fresh symlink and renaming it over <c>active</c>. rename(2) replaces the link in one step, so
/// at every instant — including a power cut, after which the folder's fsync makes the outcome
/// durable — <c>active</c> points either at the old model or at the new one, never at nothing or
/// at a half-copied package. A refused package leaves <c>active</c> untouched. Used by <c>dipperd activate-model</c>
/// on the appliance and by <c>dipper flash</c> for a folder target (an SD card), so both get exactly the same checks.
/// </summary>
public sealed class ModelStore
{
    private const string StagingPrefix = ".incoming-";
    private const string LinkPrefix = ".active-";
    private const string LockFileName = ".lock";
    private readonly ModelActivationOptions _options;
    private readonly ITfliteModelCheck _tflite;

    /// <summary>Uses the models root in <paramref name="options"/> (created on first activation).</summary>
    /// <param name="options">Where the models root is and how many old versions to keep.</param>
    /// <param name="tflite">The TFLite half of validation (Dipper.Tpu.Models.TfliteTestInference).</param>
    public ModelStore(ModelActivationOptions options, ITfliteModelCheck tflite)
    {
        _options = options;
        _tflite = tflite;
    }

    /// <summary>The models root, absolute.</summary>
    public string ModelsRoot => Path.GetFullPath(_options.ModelsRoot);

    /// <summary>Where <c>active</c> points (as written in the link), or null when there is no active model.</summary>
    public string? ActiveTarget => new FileInfo(Path.Combine(ModelsRoot, ModelActivationOptions.ActiveLinkName)).LinkTarget;

    /// <summary>Validates <paramref name="packageDirectory"/>, stores it as a version and makes it active.</summary>
    /// <exception cref="ModelPackageRejectedException">The package failed validation; nothing changed.</exception>
    /// <exception cref="IOException">The models root could not be written, another activation holds the lock, or <c>active</c> is not a symlink.</exception>
    public ModelActivation Activate(string packageDirectory)
    {
        var source = Path.GetFullPath(packageDirectory);
        if (!Directory.Exists(source))
            throw new ModelPackageRejectedException(source, "no such folder");
        var root = ModelsRoot;
        Directory.CreateDirectory(root);
        var activeLink = Path.Combine(root, ModelActivationOptions.ActiveLinkName);
        if (Directory.Exists(activeLink) && new DirectoryInfo(activeLink).LinkTarget is null)
            throw new IOException($"{activeLink} is a folder, not a symlink; move it aside so models can be switched atomically");

        using var exclusive = TakeLock(root);
        RemoveLeftovers(root);

        var staging = Path.Combine(root, StagingPrefix + Guid.NewGuid().ToString("N"));
        string version;
        ModelPackage package;
        try
        {
            CopyTree(source, staging);
            package = ModelPackageValidator.Validate(staging, _tflite);
            version = VersionName(package.Manifest.Name, Path.Combine(staging, ModelPackage.ManifestFileName));
        }
        catch
        {
            DeleteQuietly(staging);
            throw;
        }

        var versionDirectory = Path.Combine(root, version);
        var alreadyPresent = Directory.Exists(versionDirectory) && StillIntact(versionDirectory);
        if (alreadyPresent)
        {
            DeleteQuietly(staging);
        }
        else
        {
            if (Directory.Exists(versionDirectory))
            {
                // Same name but damaged on disk (e.g. an interrupted manual copy): replace it.
                var damaged = Path.Combine(root, StagingPrefix + "damaged-" + Guid.NewGuid().ToString("N"));
                Directory.Move(versionDirectory, damaged);
                DeleteQuietly(damaged);
            }
            Directory.Move(staging, versionDirectory);
        }
        Directory.SetLastWriteTimeUtc(versionDirectory, DateTime.UtcNow);
        LibCNative.SyncDirectory(root);

        var previous = ActiveTarget;
        var newLink = Path.Combine(root, LinkPrefix + Guid.NewGuid().ToString("N"));
        // Relative, so the root can be mounted elsewhere (an SD card on the lab laptop) and stay valid.
        File.CreateSymbolicLink(newLink, version);
        LibCNative.Rename(newLink, activeLink);
        LibCNative.SyncDirectory(root);

        Prune(root, version, previous);
        return new ModelActivation(version, versionDirectory, previous, alreadyPresent, package.Manifest);
    }

    /// <summary>Version folder name: the model name made file-safe plus 12 hex digits of the manifest's SHA-256, which covers every file's checksum.</summary>
    private static string VersionName(string modelName, string manifestPath)
    {
        var safe = new StringBuilder();
        foreach (var c in modelName) safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        if (safe.Length == 0) safe.Append("model");
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(manifestPath)));
        return $"{safe}-{hash[..12]}";
    }

    private static bool StillIntact(string versionDirectory)
    {
        try
        {
            ModelPackageValidator.VerifyChecksums(ModelPackage.Load(versionDirectory));
            return true;
        }
        catch (Exception e) when (e is ModelPackageRejectedException or InvalidDataException or IOException)
        {
            return false;
        }
    }

    private static FileStream TakeLock(string root)
    {
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix; it is released when the process dies.
            return new FileStream(Path.Combine(root, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"{root}: another model activation is running ({e.Message})", e);
        }
    }

    /// <summary>Removes staging folders and links left by an activation that was killed; safe because we hold the lock.</summary>
    private static void RemoveLeftovers(string root)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(root))
        {
            var name = Path.GetFileName(entry);
            if (name.StartsWith(LinkPrefix, StringComparison.Ordinal)) File.Delete(entry);
            else if (name.StartsWith(StagingPrefix, StringComparison.Ordinal)) DeleteQuietly(entry);
        }
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            var target = Path.Combine(to, Path.GetFileName(file));
            using (var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read))
            using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                input.CopyTo(output);
                output.Flush(flushToDisk: true);
            }
        }
        foreach (var folder in Directory.EnumerateDirectories(from))
            CopyTree(folder, Path.Combine(to, Path.GetFileName(folder)));
        LibCNative.SyncDirectory(to);
    }

    /// <summary>Deletes old versions beyond <see cref="ModelActivationOptions.KeepPreviousVersions"/>; never the active or the just-replaced one.</summary>
    private void Prune(string root, string active, string? previous)
    {
        var previousName = previous is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(previous));
        var candidates = new DirectoryInfo(root).EnumerateDirectories()
            .Where(d => d.LinkTarget is null && !d.Name.StartsWith('.') && d.Name != active && d.Name != ModelActivationOptions.ActiveLinkName)
            .Where(d => File.Exists(Path.Combine(d.FullName, ModelPackage.ManifestFileName)))
            .OrderByDescending(d => d.LastWriteTimeUtc)
            .ToList();
        var kept = 0;
        foreach (var folder in candidates)
        {
            if (folder.Name == previousName || kept < _options.KeepPreviousVersions)
            {
                kept++;
                continue;
            }
            DeleteQuietly(folder.FullName);
        }
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover is removed at the next activation; it never becomes active.
        }
    }
}
