using System.Reflection;
using System.Runtime.InteropServices;

namespace EdgeInspect.Native;

/// <summary>The native libraries EdgeInspect binds.</summary>
public enum NativeLibraryId
{
    OnnxRuntime,
    OpenCvShim,
    Gpiod,
}

/// <summary>What EdgeInspect needs to know to find one native library, and to tell a person how to get it.</summary>
/// <param name="Id">Which library.</param>
/// <param name="DisplayName">The name a person knows it by.</param>
/// <param name="FileName">The file name (soname) probed in every location.</param>
/// <param name="OverrideVariable">An environment variable holding a full path; when set, it is the only place tried.</param>
/// <param name="InstallHint">The command that installs the library.</param>
public sealed record NativeLibrarySpec(NativeLibraryId Id, string DisplayName, string FileName, string OverrideVariable, string InstallHint);

/// <summary>A native library could not be loaded. The message names the library, every path tried and the fix.</summary>
public sealed class NativeLibraryMissingException(NativeLibrarySpec library, IReadOnlyList<string> attempts)
    : Exception(FormatMessage(library, attempts))
{
    public NativeLibrarySpec Library { get; } = library;

    public IReadOnlyList<string> Attempts { get; } = attempts;

    private static string FormatMessage(NativeLibrarySpec library, IReadOnlyList<string> attempts) =>
        $"Cannot load {library.DisplayName} ({library.FileName}). Tried:{Environment.NewLine}"
        + string.Concat(attempts.Select(a => $"  - {a}{Environment.NewLine}"))
        + $"Fix: {library.InstallHint}, or set {library.OverrideVariable} to the full path of {library.FileName}.";
}

/// <summary>
/// Finds and loads the native libraries explicitly, at startup: nothing here runs from a static constructor,
/// so a missing library is one clear <see cref="NativeLibraryMissingException"/>, never a TypeInitializationException.
/// </summary>
/// <remarks>
/// Probe order for each library:
/// <list type="number">
/// <item>its override variable (for example <c>EDGEINSPECT_ORT_LIBRARY</c>); when set, nothing else is tried;</item>
/// <item>the application folder, where the build copies what <c>scripts/bootstrap.sh</c> put in <c>.native/lib</c>;</item>
/// <item>the system loader, by soname (Debian's packages).</item>
/// </list>
/// [LibraryImport] declarations in this assembly use <see cref="NativeLibrarySpec.FileName"/> as their library name;
/// the resolver registered by <see cref="Load"/> routes them to the handle loaded here.
/// </remarks>
public static class NativeLibraries
{
    private const string Bootstrap = "run `bash scripts/bootstrap.sh` from the repository root";

    public static NativeLibrarySpec OnnxRuntime { get; } = new(
        NativeLibraryId.OnnxRuntime, "ONNX Runtime", "libonnxruntime.so.1", "EDGEINSPECT_ORT_LIBRARY", Bootstrap);

    public static NativeLibrarySpec OpenCvShim { get; } = new(
        NativeLibraryId.OpenCvShim, "the EdgeInspect OpenCV shim", "libedgeinspect_cv.so", "EDGEINSPECT_OPENCV_SHIM_LIBRARY",
        Bootstrap + " (it installs OpenCV 4.6 from Debian and builds the shim)");

    public static NativeLibrarySpec Gpiod { get; } = new(
        NativeLibraryId.Gpiod, "libgpiod 1.6", "libgpiod.so.2", "EDGEINSPECT_GPIOD_LIBRARY",
        "run `sudo apt-get install -y --no-install-recommends libgpiod2` (or `bash scripts/bootstrap.sh`)");

    public static IReadOnlyList<NativeLibrarySpec> All { get; } = [OnnxRuntime, OpenCvShim, Gpiod];

    private static readonly Lock Gate = new();
    private static readonly Dictionary<NativeLibraryId, nint> Loaded = [];
    private static bool _resolverRegistered;

    public static NativeLibrarySpec Spec(NativeLibraryId id) => All.First(s => s.Id == id);

    /// <summary>Loads the library once and returns its handle; later calls return the same handle.</summary>
    /// <exception cref="NativeLibraryMissingException">No probed location yields a loadable library.</exception>
    public static nint Load(NativeLibraryId id)
    {
        lock (Gate)
        {
            RegisterResolver();
            if (Loaded.TryGetValue(id, out var handle))
            {
                return handle;
            }

            handle = Probe(Spec(id), Environment.GetEnvironmentVariable, AppContext.BaseDirectory);
            Loaded[id] = handle;
            return handle;
        }
    }

    /// <summary>Loads every library in <paramref name="ids"/> and returns the failures, so startup can report them all at once.</summary>
    public static IReadOnlyList<NativeLibraryMissingException> LoadAll(IEnumerable<NativeLibraryId> ids)
    {
        var failures = new List<NativeLibraryMissingException>();
        foreach (var id in ids)
        {
            try
            {
                Load(id);
            }
            catch (NativeLibraryMissingException e)
            {
                failures.Add(e);
            }
        }

        return failures;
    }

    /// <summary>The probing itself, with its inputs explicit so tests can drive it.</summary>
    internal static nint Probe(NativeLibrarySpec spec, Func<string, string?> environment, string appDirectory)
    {
        var attempts = new List<string>();
        var overridePath = environment(spec.OverrideVariable);
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            if (TryLoadFile(overridePath, $"${spec.OverrideVariable}={overridePath}", attempts, out var handle))
            {
                return handle;
            }

            throw new NativeLibraryMissingException(spec, attempts);
        }

        var local = Path.Combine(appDirectory, spec.FileName);
        if (TryLoadFile(local, local, attempts, out var appHandle))
        {
            return appHandle;
        }

        try
        {
            return NativeLibrary.Load(spec.FileName);
        }
        catch (DllNotFoundException e)
        {
            attempts.Add($"{spec.FileName} through the system loader (ld.so.cache, LD_LIBRARY_PATH): {FirstLine(e.Message)}");
        }

        throw new NativeLibraryMissingException(spec, attempts);
    }

    private static bool TryLoadFile(string path, string label, List<string> attempts, out nint handle)
    {
        handle = 0;
        if (!File.Exists(path))
        {
            attempts.Add($"{label} (file not found)");
            return false;
        }

        try
        {
            handle = NativeLibrary.Load(path);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            attempts.Add($"{label} (exists but did not load: {FirstLine(e.Message)})");
            return false;
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }

    private static void RegisterResolver()
    {
        if (_resolverRegistered)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
        _resolverRegistered = true;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        foreach (var spec in All)
        {
            if (spec.FileName == libraryName)
            {
                return Load(spec.Id);
            }
        }

        return 0;
    }
}
