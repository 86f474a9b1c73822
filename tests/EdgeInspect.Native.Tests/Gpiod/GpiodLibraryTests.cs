using EdgeInspect.Core.Inspection;
using EdgeInspect.Native.Gpiod;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Gpiod;

/// <summary>Which libgpiod a process uses, and how it tells the two APIs apart: on the real files, no chip needed.</summary>
[Trait("Category", "Integration")]
public sealed class GpiodLibraryTests
{
    [Fact]
    public void The_Bootstrapped_Libgpiod3_Is_Read_As_The_V2_Api_From_Its_Exports()
    {
        var library = Libgpiod3.Load();

        Assert.Equal(GpiodApi.V2, library.Api);
        Assert.StartsWith("2.", library.Version);
        Assert.Equal(Libgpiod3.PackagedVersion, library.Version); // gpiod_api_version, against the .deb's own version
        Assert.Equal(Path.GetFullPath(Libgpiod3.Path), library.Path);
    }

    [Fact]
    public void The_System_Libgpiod_1_6_Named_By_The_Override_Is_Read_As_The_V1_Api()
    {
        // This process chose Debian 12's libgpiod 1.6 (bookworm has no libgpiod3); name that file through the override.
        var system = GpiodLibrary.Selected().Path;
        Assert.NotNull(system);

        var named = GpiodLibrary.Probe(Libgpiod3.Override(system), AppContext.BaseDirectory);

        Assert.Equal(GpiodApi.V1, named.Api);
        Assert.StartsWith("1.6.", named.Version);
        Assert.Equal(system, named.Path);
    }

    [Fact]
    public void When_Both_Load_Libgpiod_2_Is_Chosen()
    {
        // libgpiod.so.3 in the app folder and libgpiod.so.2 from the system loader: both load, v2 comes first.
        using var app = new TempDirectory();
        File.Copy(Libgpiod3.Path, app.File("libgpiod.so.3"));

        var library = GpiodLibrary.Probe(_ => null, app.Path);

        Assert.Equal(GpiodApi.V2, library.Api);
        Assert.Equal(app.File("libgpiod.so.3"), library.Path);
    }

    [Fact]
    public void When_Both_Are_In_One_Folder_Libgpiod_2_Is_Chosen()
    {
        using var app = new TempDirectory();
        File.Copy(GpiodLibrary.Selected().Path!, app.File("libgpiod.so.2"));
        File.Copy(Libgpiod3.Path, app.File("libgpiod.so.3"));

        var library = GpiodLibrary.Probe(_ => null, app.Path);

        Assert.Equal(GpiodApi.V2, library.Api);
        Assert.Equal(app.File("libgpiod.so.3"), library.Path);
    }

    [Fact]
    public void The_Override_Refuses_A_Library_That_Is_Not_Libgpiod_Naming_Both_Exports()
    {
        var shim = Path.Combine(AppContext.BaseDirectory, NativeLibraries.OpenCvShim.FileName);

        var e = Assert.Throws<NativeLibraryMissingException>(() => GpiodLibrary.Probe(Libgpiod3.Override(shim), AppContext.BaseDirectory));

        var attempt = Assert.Single(e.Attempts);
        Assert.Equal(
            $"$EDGEINSPECT_GPIOD_LIBRARY={shim} (loaded, but it exports neither gpiod_api_version (libgpiod 2) nor gpiod_version_string "
            + "(libgpiod 1.6): it is not libgpiod)",
            attempt);
    }

    [Fact]
    public void The_Override_To_A_Missing_File_Names_Both_Sonames_And_Both_Packages()
    {
        var e = Assert.Throws<NativeLibraryMissingException>(() =>
            GpiodLibrary.Probe(Libgpiod3.Override("/nonexistent/libgpiod.so.3"), AppContext.BaseDirectory));

        Assert.StartsWith("Cannot load libgpiod (2.x or 1.6) (libgpiod.so.3 or libgpiod.so.2). Tried:", e.Message);
        Assert.Contains("$EDGEINSPECT_GPIOD_LIBRARY=/nonexistent/libgpiod.so.3 (file not found)", e.Message);
        Assert.Contains("libgpiod3` (Debian 13, Raspberry Pi OS trixie)", e.Message);
        Assert.Contains("libgpiod2` (Debian 12, bookworm", e.Message);
    }

    [Fact]
    public void Without_Any_Libgpiod_Each_Soname_Is_Tried_In_The_App_Folder_Then_By_The_System_Loader()
    {
        // The same probe with sonames no machine has, standing in for a machine without libgpiod.
        using var empty = new TempDirectory();
        var spec = NativeLibraries.Gpiod with { FileName = "libgpiod-nope.so.3", AlternativeFileNames = ["libgpiod-nope.so.2"] };

        var e = Assert.Throws<NativeLibraryMissingException>(() => NativeLibraries.Probe(spec, _ => null, empty.Path));

        Assert.Equal(4, e.Attempts.Count);
        Assert.StartsWith(empty.File("libgpiod-nope.so.3"), e.Attempts[0]);
        Assert.StartsWith("libgpiod-nope.so.3 through the system loader", e.Attempts[1]);
        Assert.StartsWith(empty.File("libgpiod-nope.so.2"), e.Attempts[2]);
        Assert.StartsWith("libgpiod-nope.so.2 through the system loader", e.Attempts[3]);
    }

    [Fact]
    public void This_Process_Chooses_The_System_Libgpiod_1_6_And_Describes_It_For_Doctor()
    {
        // Nothing in the test's app folder (bootstrap keeps libgpiod.so.3 out of .native/lib) and no libgpiod3 in Debian 12.
        var selected = GpiodLibrary.Selected();

        Assert.Equal(GpiodApi.V1, selected.Api);
        Assert.Equal(selected.Version, GpiodInfo.Version());
        Assert.Equal($"{selected.Version} (libgpiod v1 API, {selected.Path})", GpiodInfo.Describe());
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "libgpiod.so.3")));
    }

    [Fact]
    public void The_Station_Backend_Chooses_Its_Library_At_The_First_Request_And_Fails_Like_The_Chosen_Api()
    {
        // What InspectorStation creates: nothing loads until a line is requested; then this machine's v1 answers.
        using var gpio = GpiodBackends.Create(TimeProvider.System);

        var e = Assert.Throws<GpiodException>(() =>
            gpio.OpenInput("gpiochip7", new GpioInputOptions { Line = 17, ActiveLow = true, Bias = LineBias.PullUp }, "inspector 'left' pass button"));

        Assert.Equal(GpiodErrors.ENOENT, e.Errno);
        Assert.Equal(GpiodErrors.V1.ChipOpenFailed("gpiochip7", GpiodErrors.ENOENT, "line 17 (inspector 'left' pass button)"), e.Message);
    }

    [Fact]
    public void The_Factory_Gives_Each_Api_Its_Backend()
    {
        Assert.IsType<EdgeInspect.Native.Gpiod.V2.GpiodV2Backend>(GpiodBackends.Create(Libgpiod3.Load(), TimeProvider.System));
        Assert.IsType<GpiodBackend>(GpiodBackends.Create(GpiodLibrary.Selected(), TimeProvider.System));
    }

    [Fact]
    public void The_V1_Binding_Refuses_A_Libgpiod_1_6_Other_Than_The_Processes_Choice()
    {
        // The 1.6 binding resolves by soname to the process's choice; a second copy of the file is a second library.
        using var app = new TempDirectory();
        File.Copy(GpiodLibrary.Selected().Path!, app.File("libgpiod.so.2"));
        var copy = GpiodLibrary.Probe(Libgpiod3.Override(app.File("libgpiod.so.2")), app.Path);
        Assert.Equal(app.File("libgpiod.so.2"), copy.Path);

        var e = Assert.Throws<InvalidOperationException>(() => GpiodBackends.Create(copy, TimeProvider.System));

        Assert.Contains("the 1.6 binding can only use the latter", e.Message);
    }
}
