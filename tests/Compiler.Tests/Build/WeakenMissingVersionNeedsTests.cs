using System.Reflection;
using System.Runtime.InteropServices;
using Dipper.Build;

namespace Dipper.Compiler.Tests.Build;

public sealed class WeakenMissingVersionNeedsTests : IDisposable
{
    private readonly GccLibraries _libraries = GccLibraries.Build();

    private ISet<string> SystemVersions => ElfVersionNeeds.Read(File.ReadAllBytes(_libraries.SystemDep), "libdep.so").DefinedVersions;

    [Fact]
    public void A_library_needing_a_missing_version_only_for_an_unused_symbol_loads_once_the_need_is_weak()
    {
        Assert.False(NativeLibrary.TryLoad(_libraries.UnboundUser, out _), "the unpatched library should not load without DEP_1.0");
        var image = File.ReadAllBytes(_libraries.UnboundUser);
        var needs = ElfVersionNeeds.Read(image, "libunbound.so");
        Assert.Empty(needs.RelocatedSymbols(needs.Needs.Single(n => n.Version == "DEP_1.0").Index));

        var weakened = needs.WeakenMissing("libdep.so", SystemVersions, "libunbound.so");

        Assert.Equal("DEP_1.0", Assert.Single(weakened).Version);
        var patched = _libraries.UnboundUser.Replace("libunbound", "libunbound-weak");
        File.WriteAllBytes(patched, image);
        Assert.True(NativeLibrary.TryLoad(patched, out var handle), "the patched library should load");
        try
        {
            unsafe
            {
                var userValue = (delegate* unmanaged<int>)NativeLibrary.GetExport(handle, "user_value");
                Assert.Equal(7, userValue());
            }
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    [Fact]
    public void A_missing_version_that_a_relocation_binds_is_refused_naming_the_symbol()
    {
        var image = File.ReadAllBytes(_libraries.BoundUser);
        var needs = ElfVersionNeeds.Read(image, "libbound.so");
        Assert.Contains("dep_value", needs.RelocatedSymbols(needs.Needs.Single(n => n.Version == "DEP_1.0").Index));

        var refusal = Assert.Throws<InvalidOperationException>(() => needs.WeakenMissing("libdep.so", SystemVersions, "libbound.so"));

        Assert.Contains("dep_value@DEP_1.0", refusal.Message);
        Assert.Equal(File.ReadAllBytes(_libraries.BoundUser), image);
    }

    [Fact]
    public void Nothing_changes_when_the_system_library_has_every_version()
    {
        var image = File.ReadAllBytes(_libraries.UnboundUser);
        var versioned = Path.Combine(_libraries.Folder, "versioned", "libdep.so");
        var available = ElfVersionNeeds.Read(File.ReadAllBytes(versioned), "libdep.so").DefinedVersions;

        Assert.Empty(ElfVersionNeeds.Read(image, "libunbound.so").WeakenMissing("libdep.so", available, "libunbound.so"));
        Assert.Equal(File.ReadAllBytes(_libraries.UnboundUser), image);
    }

    [Fact]
    public void The_output_copy_of_libLibTorchSharp_differs_from_the_package_only_in_the_weakened_flags()
    {
        var package = typeof(WeakenMissingVersionNeedsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "TorchSharpPackage").Value!;
        var original = File.ReadAllBytes(Path.Combine(package, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));
        var copy = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));
        var system = WeakenMissingVersionNeeds.FindSystemLibrary("libstdc++.so.6");
        Assert.NotNull(system);
        var available = ElfVersionNeeds.Read(File.ReadAllBytes(system), system).DefinedVersions;
        var needs = ElfVersionNeeds.Read(original, "libLibTorchSharp.so");
        var missing = needs.Needs.Where(n => n.File == "libstdc++.so.6" && !available.Contains(n.Version)).ToList();
        // On Debian 12 exactly GLIBCXX_3.4.32 is missing; on a newer system nothing is, and the copy is untouched.
        Assert.All(missing, n => Assert.Equal("GLIBCXX_3.4.32", n.Version));

        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != copy[i]).ToList();

        Assert.Equal(original.Length, copy.Length);
        var flagBytes = missing.SelectMany(n => new[] { n.FlagsOffset, n.FlagsOffset + 1 }).Select(o => (int)o).ToHashSet();
        Assert.All(changed, i => Assert.Contains(i, flagBytes));
        foreach (var need in missing)
            Assert.Equal(need.Flags | ElfVersionNeeds.WeakFlag, BitConverter.ToUInt16(copy, (int)need.FlagsOffset));
        Assert.Equal(missing.Count, changed.Count);
    }

    public void Dispose() => _libraries.Dispose();
}
