using System.Diagnostics;

namespace Dipper.Compiler.Tests.Build;

/// <summary>
/// Real shared libraries built by gcc for the ELF version-need tests: libdep.so defining DEP_1.0 (and, as the
/// "system" copy, the same library defining only DEP_0.9), and users of it that need DEP_1.0 either through a
/// relocation or, like libLibTorchSharp's need of GLIBCXX_3.4.32, only through a declared symbol.
/// </summary>
internal sealed class GccLibraries : IDisposable
{
    private GccLibraries(string folder) => Folder = folder;

    public string Folder { get; }

    /// <summary>
/// libdep.so defining only the older DEP_0.9 (as Debian 12's libstdc++ stops at GLIBCXX_3.4.30), beside the users,
/// where their $ORIGIN run path finds it. (A library with no versions at all would be accepted by the loader.)
/// </summary>
    public string SystemDep => Path.Combine(Folder, "system", "libdep.so");

    /// <summary>Needs DEP_1.0 only for dep_marker, which it declares global but never refers to (no relocation).</summary>
    public string UnboundUser => Path.Combine(Folder, "system", "libunbound.so");

    /// <summary>Calls dep_value@DEP_1.0 (a PLT relocation binds it).</summary>
    public string BoundUser => Path.Combine(Folder, "system", "libbound.so");

    public static GccLibraries Build()
    {
        var libraries = new GccLibraries(Directory.CreateTempSubdirectory("dipper-elf-").FullName);
        var f = libraries.Folder;
        Directory.CreateDirectory(Path.Combine(f, "versioned"));
        Directory.CreateDirectory(Path.Combine(f, "system"));
        File.WriteAllText(Path.Combine(f, "dep.c"), "int dep_value(void) { return 42; }\nint dep_marker(void) { return 1; }\n");
        File.WriteAllText(Path.Combine(f, "dep.map"), "DEP_1.0 { global: dep_value; dep_marker; local: *; };\n");
        File.WriteAllText(Path.Combine(f, "dep-old.map"), "DEP_0.9 { global: dep_value; dep_marker; local: *; };\n");
        // The same trick GCC 13's <iostream> uses for _ZSt21ios_base_library_initv: a global declaration, no use.
        File.WriteAllText(Path.Combine(f, "unbound.c"), "__asm__(\".globl dep_marker\");\nint user_value(void) { return 7; }\n");
        File.WriteAllText(Path.Combine(f, "bound.c"), "extern int dep_value(void);\nint user_value(void) { return dep_value() + 1; }\n");
        Gcc(f, "-shared", "-fPIC", "-Wl,--version-script=dep.map", "-o", "versioned/libdep.so", "dep.c");
        Gcc(f, "-shared", "-fPIC", "-Wl,--version-script=dep-old.map", "-o", "system/libdep.so", "dep.c");
        foreach (var user in new[] { "unbound", "bound" })
            Gcc(f, "-shared", "-fPIC", "-Wl,--no-as-needed", "-Wl,-rpath,$ORIGIN", "-o", $"system/lib{user}.so", $"{user}.c", "-Lversioned", "-ldep");
        return libraries;
    }

    private static void Gcc(string folder, params string[] args)
    {
        var start = new ProcessStartInfo("gcc") { WorkingDirectory = folder, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var gcc = Process.Start(start) ?? throw new InvalidOperationException("gcc did not start (apt-get install gcc)");
        var errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0) throw new InvalidOperationException($"gcc {string.Join(' ', args)} failed: {errors}");
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
