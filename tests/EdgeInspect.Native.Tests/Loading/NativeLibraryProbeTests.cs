using System.Diagnostics;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Loading;

public sealed class NativeLibraryProbeTests
{
    /// <summary>The library the build copied from the Microsoft.ML.OnnxRuntime package (portable build layout).</summary>
    private static string PackageOrt => Path.Combine(AppContext.BaseDirectory, "runtimes", NativeLibraries.HostRuntimeIdentifier, "native", "libonnxruntime.so");

    private static Func<string, string?> OrtOverride(string path) => v => v == "EDGEINSPECT_ORT_LIBRARY" ? path : null;

    [Fact]
    public void Override_To_A_Missing_File_Names_The_Library_The_Path_And_The_Fix()
    {
        var missing = "/nonexistent/libonnxruntime.so";
        var e = Assert.Throws<NativeLibraryMissingException>(() =>
            NativeLibraries.Probe(NativeLibraries.OnnxRuntime, OrtOverride(missing), AppContext.BaseDirectory));

        Assert.Contains("ONNX Runtime (libonnxruntime.so)", e.Message);
        Assert.Contains($"{missing} (file not found)", e.Message);
        Assert.Contains("dotnet build", e.Message);
        Assert.Contains("Microsoft.ML.OnnxRuntime", e.Message);
        Assert.Contains($"runtimes/{NativeLibraries.HostRuntimeIdentifier}/native/", e.Message);
        Assert.Single(e.Attempts); // an override is the only place tried
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Override_To_The_Real_Library_In_Another_Folder_Loads_That_File()
    {
        using var dir = new TempDirectory();
        var copy = dir.File("libonnxruntime.so");
        File.Copy(PackageOrt, copy);

        var handle = NativeLibraries.Probe(NativeLibraries.OnnxRuntime, OrtOverride(copy), dir.Path);

        Assert.NotEqual(0, handle);
        Assert.Null(OrtApiCheck.Problem(handle));
        Assert.Contains(File.ReadAllLines("/proc/self/maps"), line => line.EndsWith(copy, StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Override_To_An_Older_Onnx_Runtime_Is_Refused_Naming_Its_Version()
    {
        using var dir = new TempDirectory();
        var stub = CompileStub(dir, "libonnxruntime.so", """
            #include <stddef.h>
            typedef struct { const void* (*GetApi)(unsigned); const char* (*GetVersionString)(void); } OrtApiBase;
            static const void* get_api(unsigned version) { return version <= 24 ? (const void*)1 : NULL; }
            static const char* version_string(void) { return "1.24.9-stub"; }
            static const OrtApiBase base = { get_api, version_string };
            const OrtApiBase* OrtGetApiBase(void) { return &base; }
            """);

        var e = Assert.Throws<NativeLibraryMissingException>(() => NativeLibraries.Probe(NativeLibraries.OnnxRuntime, OrtOverride(stub), dir.Path));

        var attempt = Assert.Single(e.Attempts);
        Assert.Contains(stub, attempt);
        Assert.Contains("ONNX Runtime 1.24.9-stub", attempt);
        Assert.Contains("OrtApi version 31", attempt);
        Assert.Contains("1.31 or newer", attempt);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Override_To_A_Library_That_Is_Not_Onnx_Runtime_Says_So()
    {
        using var dir = new TempDirectory();
        var other = CompileStub(dir, "libnot-ort.so", "int edgeinspect_nothing(void) { return 0; }");

        var e = Assert.Throws<NativeLibraryMissingException>(() => NativeLibraries.Probe(NativeLibraries.OnnxRuntime, OrtOverride(other), dir.Path));

        Assert.Contains("exports no OrtGetApiBase", Assert.Single(e.Attempts));
    }

    [Fact]
    public void Override_To_A_File_That_Is_Not_A_Library_Says_It_Did_Not_Load()
    {
        using var dir = new TempDirectory();
        var bogus = dir.File("libgpiod.so.2");
        File.WriteAllText(bogus, "not an ELF file");

        var e = Assert.Throws<NativeLibraryMissingException>(() =>
            NativeLibraries.Probe(NativeLibraries.Gpiod, v => v == "EDGEINSPECT_GPIOD_LIBRARY" ? bogus : null, dir.Path));

        Assert.Contains("exists but did not load", e.Message);
    }

    [Fact]
    public void Without_Override_The_App_Folder_Then_The_System_Loader_Are_Tried()
    {
        using var empty = new TempDirectory();
        var spec = new NativeLibrarySpec(NativeLibraryId.Gpiod, "a library that does not exist", "libedgeinspect-nope.so.9", "EDGEINSPECT_NOPE", "install nothing");

        var e = Assert.Throws<NativeLibraryMissingException>(() => NativeLibraries.Probe(spec, _ => null, empty.Path));

        Assert.Equal(2, e.Attempts.Count);
        Assert.Contains(Path.Combine(empty.Path, "libedgeinspect-nope.so.9"), e.Attempts[0]);
        Assert.Contains("system loader", e.Attempts[1]);
    }

    [Fact]
    public void A_Packaged_Library_Is_Also_Looked_For_In_The_Runtimes_Folder_Of_Its_Rid()
    {
        using var empty = new TempDirectory();
        var spec = new NativeLibrarySpec(NativeLibraryId.Gpiod, "a packaged library that does not exist", "libedgeinspect-nope.so", "EDGEINSPECT_NOPE", "restore it", "Some.Package");

        var e = Assert.Throws<NativeLibraryMissingException>(() => NativeLibraries.Probe(spec, _ => null, empty.Path));

        Assert.Equal(3, e.Attempts.Count);
        Assert.Contains(Path.Combine(empty.Path, "libedgeinspect-nope.so"), e.Attempts[0]);
        Assert.Contains(Path.Combine(empty.Path, "runtimes", NativeLibraries.HostRuntimeIdentifier, "native", "libedgeinspect-nope.so"), e.Attempts[1]);
        Assert.Contains("system loader", e.Attempts[2]);
    }

    [Fact]
    public void The_Host_Rid_Is_The_Portable_One_For_This_Architecture()
    {
        Assert.Matches("^linux-(x64|arm64|arm|x86)$", NativeLibraries.HostRuntimeIdentifier);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void A_Portable_Build_Carries_Only_Its_Own_Rids_Native_Libraries()
    {
        // Directory.Build.props trims the other RIDs (the package ships android, ios, osx, win builds too), and
        // EdgeInspect.Native.csproj removes the Windows DLLs the package's props would put beside the app.
        var runtimes = Path.Combine(AppContext.BaseDirectory, "runtimes");
        var rids = Directory.EnumerateFiles(runtimes, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(runtimes, f).Split(Path.DirectorySeparatorChar)[0])
            .Distinct();
        Assert.Equal([NativeLibraries.HostRuntimeIdentifier], rids);
        Assert.True(File.Exists(PackageOrt), PackageOrt);
        Assert.DoesNotContain(Directory.GetFiles(AppContext.BaseDirectory, "*.dll"), f => Path.GetFileName(f).StartsWith("onnxruntime", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Bootstrapped_Libraries_Load_Without_Environment_Variables()
    {
        foreach (var spec in NativeLibraries.All)
        {
            Assert.NotEqual(0, NativeLibraries.Probe(spec, _ => null, AppContext.BaseDirectory));
        }
    }

    /// <summary>A tiny shared library compiled for the test with the C compiler the bootstrap installs (g++ brings cc).</summary>
    private static string CompileStub(TempDirectory dir, string name, string source)
    {
        var c = dir.File(Path.ChangeExtension(name, ".c"));
        File.WriteAllText(c, source);
        var output = dir.File(name);
        using var cc = Process.Start(new ProcessStartInfo("cc", ["-shared", "-fPIC", "-o", output, c]) { RedirectStandardError = true })!;
        var stderr = cc.StandardError.ReadToEnd();
        cc.WaitForExit();
        Assert.True(cc.ExitCode == 0, $"cc failed: {stderr}");
        return output;
    }
}
