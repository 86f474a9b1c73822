using System.Globalization;
using System.Runtime.InteropServices;
using EdgeInspect.Native.Gpiod.V2;

namespace EdgeInspect.Native.Gpiod;

/// <summary>The two libgpiod APIs: different functions, one behaviour behind <see cref="GpiodBackends"/>.</summary>
public enum GpiodApi
{
    /// <summary>libgpiod 1.6, libgpiod.so.2 (Debian 12, Raspberry Pi OS bookworm).</summary>
    V1 = 1,

    /// <summary>libgpiod 2.x, libgpiod.so.3 (Debian 13, Raspberry Pi OS trixie).</summary>
    V2 = 2,
}

/// <summary>
/// One loaded libgpiod file: which API it speaks, its version and where it is. The API is read from what the file
/// exports (<c>gpiod_api_version</c> in 2.x, <c>gpiod_version_string</c> in 1.6), not from its name, so
/// <c>EDGEINSPECT_GPIOD_LIBRARY</c> may name either.
/// </summary>
public sealed class GpiodLibrary
{
    private static readonly Lock Gate = new();
    private static GpiodLibrary? _selected;

    private GpiodLibrary(nint handle, GpiodApi api, string version, string? path, GpiodV2Api? v2)
    {
        Handle = handle;
        Api = api;
        Version = version;
        Path = path;
        V2Api = v2;
    }

    public GpiodApi Api { get; }

    /// <summary>What the library reports, e.g. "2.2.1" or "1.6.3".</summary>
    public string Version { get; }

    /// <summary>The file the loader mapped (symlinks resolved); null if /proc/self/maps does not show it.</summary>
    public string? Path { get; }

    internal nint Handle { get; }

    /// <summary>The v2 function table; null for libgpiod 1.6, which binds by soname (<see cref="GpiodNative"/>).</summary>
    internal GpiodV2Api? V2Api { get; }

    /// <summary>
    /// The library this process uses, chosen once by <see cref="NativeLibraries"/>: <c>EDGEINSPECT_GPIOD_LIBRARY</c> when
    /// set, otherwise libgpiod.so.3 before libgpiod.so.2 (application folder, then the system loader, for each).
    /// </summary>
    /// <exception cref="NativeLibraryMissingException">No libgpiod loads; the message lists what was tried and the fix.</exception>
    public static GpiodLibrary Selected()
    {
        var handle = NativeLibraries.Load(NativeLibraryId.Gpiod);
        lock (Gate)
        {
            if (_selected?.Handle != handle)
            {
                _selected = FromHandle(handle);
            }

            return _selected;
        }
    }

    /// <summary>The same choice with its inputs explicit (environment, application folder), without touching the process's choice.</summary>
    internal static GpiodLibrary Probe(Func<string, string?> environment, string appDirectory) =>
        FromHandle(NativeLibraries.Probe(NativeLibraries.Gpiod, environment, appDirectory));

    /// <summary>For <see cref="NativeLibrarySpec.Identify"/>: null for a libgpiod this binding speaks, otherwise why not.</summary>
    internal static string? NotLibgpiodReason(nint handle) => Identify(handle, out _, out _, out _);

    /// <summary>"2.2.1 (libgpiod v2 API, /usr/lib/aarch64-linux-gnu/libgpiod.so.3.1.1)": the doctor's line.</summary>
    public override string ToString() =>
        $"{Version} (libgpiod {(Api == GpiodApi.V2 ? "v2" : "v1")} API, {Path ?? "file not shown in /proc/self/maps"})";

    private static GpiodLibrary FromHandle(nint handle)
    {
        var reason = Identify(handle, out var api, out var version, out var v2);
        if (reason is not null)
        {
            // NativeLibraries ran the same check before accepting the handle.
            throw new InvalidOperationException($"The loaded libgpiod is not usable: {reason}.");
        }

        return new GpiodLibrary(handle, api, version, MappedFile(handle, api), v2);
    }

    private static unsafe string? Identify(nint handle, out GpiodApi api, out string version, out GpiodV2Api? v2)
    {
        v2 = null;
        if (NativeLibrary.TryGetExport(handle, "gpiod_api_version", out var apiVersion))
        {
            api = GpiodApi.V2;
            version = Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)apiVersion)()) ?? "";
            if (!version.StartsWith("2.", StringComparison.Ordinal))
            {
                return $"it is libgpiod {version}; EdgeInspect speaks libgpiod 2.x (libgpiod.so.3) and 1.6 (libgpiod.so.2)";
            }

            try
            {
                v2 = GpiodV2Api.Bind(handle);
            }
            catch (EntryPointNotFoundException e)
            {
                return $"it reports libgpiod {version} but lacks an export: {e.Message}";
            }

            return null;
        }

        if (NativeLibrary.TryGetExport(handle, "gpiod_version_string", out var versionString))
        {
            api = GpiodApi.V1;
            version = Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)versionString)()) ?? "";
            return version.StartsWith("1.", StringComparison.Ordinal)
                ? null
                : $"it is libgpiod {version}; EdgeInspect speaks libgpiod 2.x (libgpiod.so.3) and 1.6 (libgpiod.so.2)";
        }

        api = default;
        version = "";
        return "it exports neither gpiod_api_version (libgpiod 2) nor gpiod_version_string (libgpiod 1.6): it is not libgpiod";
    }

    /// <summary>The file holding the library's version export, from the process's memory map.</summary>
    private static string? MappedFile(nint handle, GpiodApi api)
    {
        if (!NativeLibrary.TryGetExport(handle, api == GpiodApi.V2 ? "gpiod_api_version" : "gpiod_version_string", out var address))
        {
            return null;
        }

        try
        {
            // Lines read "start-end perms offset dev inode   path", addresses in hex.
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
                if (fields.Length == 6 && dash > 0
                    && ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                    && ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end)
                    && (ulong)address >= start && (ulong)address < end)
                {
                    return fields[5].Trim();
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
