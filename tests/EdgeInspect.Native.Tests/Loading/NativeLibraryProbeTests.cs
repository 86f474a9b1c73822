using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Loading;

public sealed class NativeLibraryProbeTests
{
    [Fact]
    public void Override_To_A_Missing_File_Names_The_Library_The_Path_And_The_Fix()
    {
        var missing = "/nonexistent/libonnxruntime.so.1";
        var e = Assert.Throws<NativeLibraryMissingException>(() =>
            NativeLibraries.Probe(NativeLibraries.OnnxRuntime, v => v == "EDGEINSPECT_ORT_LIBRARY" ? missing : null, AppContext.BaseDirectory));

        Assert.Contains("ONNX Runtime (libonnxruntime.so.1)", e.Message);
        Assert.Contains(missing, e.Message);
        Assert.Contains("scripts/bootstrap.sh", e.Message);
        Assert.Single(e.Attempts); // an override is the only place tried
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
    public void Bootstrapped_Libraries_Load_Without_Environment_Variables()
    {
        foreach (var spec in NativeLibraries.All)
        {
            Assert.NotEqual(0, NativeLibraries.Probe(spec, _ => null, AppContext.BaseDirectory));
        }
    }
}
