using EdgeInspect.Native.Gpiod;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Gpiod;

/// <summary>
/// The real libgpiod 2 (Debian 13's libgpiod3) that scripts/bootstrap.sh put in .native/libgpiod3, loaded the way an
/// installer would point at it: through EDGEINSPECT_GPIOD_LIBRARY (passed to the probe, not set in the process).
/// </summary>
internal static class Libgpiod3
{
    public const string OverrideVariable = "EDGEINSPECT_GPIOD_LIBRARY";

    public static string Directory => System.IO.Path.Combine(RepoPaths.Root, ".native", "libgpiod3");

    /// <summary>The bootstrapped file; fails the test, naming the fix, when bootstrap has not fetched it.</summary>
    public static string Path
    {
        get
        {
            var path = System.IO.Path.Combine(Directory, "libgpiod.so.3");
            Assert.True(File.Exists(path), $"{path} is missing: run `bash scripts/bootstrap.sh` (it downloads Debian 13's libgpiod3)");
            return path;
        }
    }

    /// <summary>The upstream version of the .deb bootstrap extracted, e.g. "2.2.1": what gpiod_api_version must report.</summary>
    public static string PackagedVersion => File.ReadAllText(System.IO.Path.Combine(Directory, "version")).Trim();

    public static GpiodLibrary Load() => GpiodLibrary.Probe(Override(Path), AppContext.BaseDirectory);

    /// <summary>An environment in which only EDGEINSPECT_GPIOD_LIBRARY is set.</summary>
    public static Func<string, string?> Override(string path) => name => name == OverrideVariable ? path : null;
}
