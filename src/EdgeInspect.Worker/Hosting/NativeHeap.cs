using System.Runtime.InteropServices;

namespace EdgeInspect.Worker.Hosting;

/// <summary>
/// glibc's malloc gives every thread that finds the main heap busy an arena of its own (up to eight per core), and each
/// arena keeps the pages it once used. A station's threads (capture, inference, ONNX Runtime's pool, SQLite, the
/// thread pool) make several, and each holds megabytes of native memory that no one needs again. Two arenas are
/// enough for a station's few allocating threads; set before the first of them starts. An operator's
/// <c>MALLOC_ARENA_MAX</c> wins, and a C library without <c>mallopt</c> (musl) is left as it is.
/// </summary>
internal static partial class NativeHeap
{
    private const int ArenaMaxParameter = -8; // M_ARENA_MAX in glibc's malloc.h

    public const int StationArenas = 2;

    /// <summary>True when the limit was set here.</summary>
    public static bool LimitArenas(int arenas = StationArenas)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
        {
            return false;
        }

        try
        {
            return Mallopt(ArenaMaxParameter, arenas) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
