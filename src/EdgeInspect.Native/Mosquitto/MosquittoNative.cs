using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Mosquitto;

/// <summary>
/// Raw libmosquitto 2.0 exports (mosquitto.h). Loaded by soname libmosquitto.so.1: the unversioned .so only
/// comes with the -dev package. C <c>bool</c> is one byte; errno-setting calls use SetLastError.
/// </summary>
internal static partial class MosquittoNative
{
    private const string Library = "libmosquitto.so.1";

    /// <summary><c>int mosquitto_lib_version(int *major, int *minor, int *revision)</c>: returns LIBMOSQUITTO_VERSION_NUMBER.</summary>
    [LibraryImport(Library)]
    public static partial int mosquitto_lib_version(out int major, out int minor, out int revision);
}
