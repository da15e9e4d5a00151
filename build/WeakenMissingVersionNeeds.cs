// Compiled by MSBuild (RoslynCodeTaskFactory, build/LibTorchSharpOnDebian12.targets) and by the tests. It runs
// inside the build before any of our assemblies exist, and the task factory compiles against netstandard2.0:
// hence plain classes (no records), no IReadOnlySet and no Unix file-mode API. Why the step exists is written
// in that .targets file.
#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Dipper.Build;

/// <summary>One version a shared library needs from another (a Vernaux record of .gnu.version_r).</summary>
public sealed class VersionNeed
{
    /// <summary>Describes one Vernaux record.</summary>
    public VersionNeed(string file, string version, ushort index, ushort flags, long flagsOffset)
    {
        File = file;
        Version = version;
        Index = index;
        Flags = flags;
        FlagsOffset = flagsOffset;
    }

    /// <summary>The library that must provide it, e.g. "libstdc++.so.6".</summary>
    public string File { get; }

    /// <summary>The version name, e.g. "GLIBCXX_3.4.32".</summary>
    public string Version { get; }

    /// <summary>The version index symbols carry in .gnu.version (vna_other).</summary>
    public ushort Index { get; }

    /// <summary>vna_flags as read; <see cref="ElfVersionNeeds.WeakFlag"/> makes a missing version non-fatal.</summary>
    public ushort Flags { get; }

    /// <summary>File offset of vna_flags, the two bytes a weakening changes.</summary>
    public long FlagsOffset { get; }
}

/// <summary>
/// The symbol-version needs of an ELF64 little-endian shared library and the relocations that depend on them:
/// enough to mark a needed version weak (VER_FLG_WEAK), which the dynamic loader then tolerates when missing,
/// and to prove first that no relocation binds a symbol of that version (which would then fail at run time).
/// </summary>
public sealed class ElfVersionNeeds
{
    /// <summary>VER_FLG_WEAK: the dynamic loader does not fail when the version is missing.</summary>
    public const ushort WeakFlag = 0x2;

    private const uint SectionRel = 9, SectionRela = 4, SectionDynsym = 11;
    private const uint SectionVerdef = 0x6ffffffd, SectionVerneed = 0x6ffffffe, SectionVersym = 0x6fffffff;

    private readonly byte[] _image;
    private readonly List<(uint Type, long Offset, long Size, uint Link, long EntrySize)> _sections = [];
    private readonly Dictionary<ushort, List<string>> _relocatedByVersion = [];

    private ElfVersionNeeds(byte[] image, string what)
    {
        _image = image;
        if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
            throw new InvalidDataException($"{what} is not an ELF file");
        if (image[4] != 2 || image[5] != 1)
            throw new InvalidDataException($"{what} is not ELF64 little-endian");
        var tableOffset = (long)U64(0x28);
        int entrySize = U16(0x3a), count = U16(0x3c);
        for (var i = 0; i < count; i++)
        {
            var at = tableOffset + (long)i * entrySize;
            _sections.Add((U32(at + 4), (long)U64(at + 24), (long)U64(at + 32), U32(at + 40), (long)U64(at + 56)));
        }
        Needs = ReadNeeds();
        DefinedVersions = ReadDefinitions();
        ReadRelocations();
    }

    /// <summary>Every version the library needs, in file order.</summary>
    public IReadOnlyList<VersionNeed> Needs { get; }

    /// <summary>The versions the library itself defines (.gnu.version_d), e.g. every GLIBCXX_* of a libstdc++.</summary>
    public ISet<string> DefinedVersions { get; }

    /// <summary>Reads the version tables of an ELF image.</summary>
    /// <exception cref="InvalidDataException">Not an ELF64 little-endian file, or its tables are cut short.</exception>
    public static ElfVersionNeeds Read(byte[] image, string what)
    {
        try
        {
            return new ElfVersionNeeds(image, what);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"{what}: a section or table points past the end of the file");
        }
    }

    /// <summary>Names of the symbols that a relocation (.rela.dyn, .rela.plt, .rel.*) binds with this version.</summary>
    public IReadOnlyList<string> RelocatedSymbols(ushort versionIndex) =>
        _relocatedByVersion.TryGetValue(versionIndex, out var names) ? names : [];

    /// <summary>
    /// Marks weak every version that <paramref name="file"/> must provide but whose system copy does not
    /// define (<paramref name="available"/>), and returns them; the image is changed in place (only the flags
    /// fields). Nothing changes when every version is available.
    /// </summary>
    /// <exception cref="InvalidOperationException">A relocation binds a symbol of a missing version: weakening
    /// it would only move the failure to run time.</exception>
    public IReadOnlyList<VersionNeed> WeakenMissing(string file, ISet<string> available, string what)
    {
        var missing = Needs.Where(n => n.File == file && !available.Contains(n.Version)).ToList();
        var bound = missing.SelectMany(n => RelocatedSymbols(n.Index).Select(s => $"{s}@{n.Version}")).ToList();
        if (bound.Count > 0)
            throw new InvalidOperationException(
                $"{what} needs {string.Join(", ", missing.Select(n => n.Version))} from {file}, which this system's {file} lacks, " +
                $"and relocations bind {string.Join(", ", bound)}: marking the version weak would fail at run time; " +
                $"install a newer {file} instead");
        foreach (var need in missing)
        {
            var flags = (ushort)(need.Flags | WeakFlag);
            _image[need.FlagsOffset] = (byte)flags;
            _image[need.FlagsOffset + 1] = (byte)(flags >> 8);
        }
        return missing;
    }

    private List<VersionNeed> ReadNeeds()
    {
        var needs = new List<VersionNeed>();
        foreach (var section in _sections.Where(s => s.Type == SectionVerneed))
        {
            var strings = _sections[(int)section.Link].Offset;
            var at = section.Offset;
            while (true)
            {
                var file = String(strings + U32(at + 4));
                var aux = at + U32(at + 8);
                for (int i = 0, count = U16(at + 2); i < count; i++)
                {
                    needs.Add(new VersionNeed(file, String(strings + U32(aux + 8)), U16(aux + 6), U16(aux + 4), aux + 4));
                    aux += U32(aux + 12);
                }
                var next = U32(at + 12);
                if (next == 0) break;
                at += next;
            }
        }
        return needs;
    }

    private HashSet<string> ReadDefinitions()
    {
        var names = new HashSet<string>();
        foreach (var section in _sections.Where(s => s.Type == SectionVerdef))
        {
            var strings = _sections[(int)section.Link].Offset;
            var at = section.Offset;
            while (true)
            {
                // The first Verdaux of a definition names it; later ones name its parents.
                names.Add(String(strings + U32(at + U32(at + 12))));
                var next = U32(at + 16);
                if (next == 0) break;
                at += next;
            }
        }
        return names;
    }

    private void ReadRelocations()
    {
        var versym = _sections.FirstOrDefault(s => s.Type == SectionVersym);
        if (versym.Size == 0) return;
        for (var index = 0; index < _sections.Count; index++)
        {
            var symbols = _sections[index];
            if (symbols.Type != SectionDynsym) continue;
            var strings = _sections[(int)symbols.Link].Offset;
            foreach (var relocations in _sections.Where(s => (s.Type == SectionRela || s.Type == SectionRel) && s.Link == index))
            {
                var entrySize = relocations.Type == SectionRela ? 24 : 16;
                for (var at = relocations.Offset; at + entrySize <= relocations.Offset + relocations.Size; at += entrySize)
                {
                    var symbol = (long)(U64(at + 8) >> 32);
                    if (symbol == 0) continue;
                    var version = (ushort)(U16(versym.Offset + 2 * symbol) & 0x7fff);
                    var name = String(strings + U32(symbols.Offset + symbol * 24));
                    if (!_relocatedByVersion.TryGetValue(version, out var names)) _relocatedByVersion[version] = names = [];
                    if (!names.Contains(name)) names.Add(name);
                }
            }
        }
    }

    private ushort U16(long at) => BitConverter.ToUInt16(_image, checked((int)at));

    private uint U32(long at) => BitConverter.ToUInt32(_image, checked((int)at));

    private ulong U64(long at) => BitConverter.ToUInt64(_image, checked((int)at));

    private string String(long at)
    {
        var end = Array.IndexOf(_image, (byte)0, checked((int)at));
        if (end < 0) throw new InvalidDataException("a string runs past the end of the file");
        return Encoding.ASCII.GetString(_image, (int)at, end - (int)at);
    }
}

/// <summary>
/// The build step: for each library copy in <see cref="Libraries"/> (never the NuGet cache's), marks weak the
/// versions of <see cref="NeededFile"/> that the system's copy lacks, after checking no relocation binds them.
/// Idempotent, and a no-op where the system library has every version.
/// </summary>
public sealed class WeakenMissingVersionNeeds : Microsoft.Build.Utilities.Task
{
    /// <summary>The copies to patch, in output or publish folders.</summary>
    [Required]
    public ITaskItem[] Libraries { get; set; } = [];

    /// <summary>The needed library whose versions may be missing, e.g. libstdc++.so.6.</summary>
    [Required]
    public string NeededFile { get; set; } = "";

    /// <inheritdoc />
    public override bool Execute()
    {
        var system = FindSystemLibrary(NeededFile);
        if (system is null)
        {
            Log.LogMessage(MessageImportance.High, $"{NeededFile} not found on this system: native libraries left as they are");
            return true;
        }
        var available = ElfVersionNeeds.Read(File.ReadAllBytes(system), system).DefinedVersions;
        foreach (var library in Libraries.Select(i => i.ItemSpec))
        {
            try
            {
                var image = File.ReadAllBytes(library);
                var weakened = ElfVersionNeeds.Read(image, library).WeakenMissing(NeededFile, available, library)
                    .Where(n => (n.Flags & ElfVersionNeeds.WeakFlag) == 0).ToList();
                if (weakened.Count == 0) continue;
                // A new file renamed over the copy: a hard-linked copy must never write through to the package cache.
                var staged = library + ".weakening";
                // (Copied first so the staged file keeps the copy's permissions.)
                File.Copy(library, staged, overwrite: true);
                File.WriteAllBytes(staged, image);
                File.Delete(library);
                File.Move(staged, library);
                Log.LogMessage(MessageImportance.High,
                    $"{library}: {string.Join(", ", weakened.Select(n => n.Version))} marked weak ({system} lacks it; no relocation binds it)");
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException)
            {
                Log.LogError(e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>Where the dynamic loader finds <paramref name="file"/>: ldconfig's cache, else Debian's and the usual folders.</summary>
    public static string? FindSystemLibrary(string file)
    {
        try
        {
            using var ldconfig = Process.Start(new ProcessStartInfo("/sbin/ldconfig", "-p") { RedirectStandardOutput = true, UseShellExecute = false });
            if (ldconfig is not null)
            {
                var lines = ldconfig.StandardOutput.ReadToEnd().Split('\n');
                ldconfig.WaitForExit();
                var found = lines.Select(l => l.Trim()).Where(l => l.StartsWith(file + " ", StringComparison.Ordinal) && l.Contains("x86-64"))
                    .Select(l => l.Substring(l.IndexOf("=> ", StringComparison.Ordinal) + 3)).FirstOrDefault(File.Exists);
                if (found is not null) return found;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No ldconfig: fall back to the usual folders.
        }
        return new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib" }
            .Select(folder => Path.Combine(folder, file)).FirstOrDefault(File.Exists);
    }
}
