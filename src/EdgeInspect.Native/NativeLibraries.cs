using System.Reflection;
using System.Runtime.InteropServices;
using EdgeInspect.Native.Onnx;
using Microsoft.ML.OnnxRuntime;

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
/// <param name="Package">The NuGet package that ships the library, when one does: the build puts it in the output folder's
/// <c>runtimes/&lt;rid&gt;/native/</c> (a RID-specific publish puts it in the output folder itself).</param>
public sealed record NativeLibrarySpec(NativeLibraryId Id, string DisplayName, string FileName, string OverrideVariable, string InstallHint, string? Package = null)
{
    /// <summary>
    /// Further sonames of the same library, tried in order after <see cref="FileName"/> (each in every location), for a
    /// library that comes in more than one ABI (libgpiod.so.3 and libgpiod.so.2).
    /// </summary>
    public IReadOnlyList<string> AlternativeFileNames { get; init; } = [];

    /// <summary>
    /// Checks that a file that loaded is this library: null when it is, otherwise why not (it then counts as a failed
    /// attempt and is unloaded). Needed where the override may name a file of several ABIs.
    /// </summary>
    public Func<nint, string?>? Identify { get; init; }

    /// <summary><see cref="FileName"/>, then <see cref="AlternativeFileNames"/>: the order they are tried in.</summary>
    public IReadOnlyList<string> FileNames => [FileName, .. AlternativeFileNames];
}

/// <summary>A native library could not be loaded. The message names the library, every path tried and the fix.</summary>
public sealed class NativeLibraryMissingException(NativeLibrarySpec library, IReadOnlyList<string> attempts)
    : Exception(FormatMessage(library, attempts))
{
    public NativeLibrarySpec Library { get; } = library;

    public IReadOnlyList<string> Attempts { get; } = attempts;

    private static string FormatMessage(NativeLibrarySpec library, IReadOnlyList<string> attempts) =>
        $"Cannot load {library.DisplayName} ({string.Join(" or ", library.FileNames)}). Tried:{Environment.NewLine}"
        + string.Concat(attempts.Select(a => $"  - {a}{Environment.NewLine}"))
        + $"Fix: {library.InstallHint}, or set {library.OverrideVariable} to the full path of {string.Join(" or ", library.FileNames)}.";
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
/// <item>for a library a NuGet package ships, the application folder's <c>runtimes/&lt;rid&gt;/native/</c>;</item>
/// <item>the system loader, by soname (Debian's packages).</item>
/// </list>
/// [LibraryImport] declarations in this assembly use <see cref="NativeLibrarySpec.FileName"/> as their library name;
/// the resolver registered by <see cref="Load"/> routes them to the handle loaded here. The same resolver serves the
/// Microsoft.ML.OnnxRuntime assembly, whose own resolver is switched off, so this stays the one loading policy.
/// </remarks>
public static class NativeLibraries
{
    private const string Bootstrap = "run `bash scripts/bootstrap.sh` from the repository root";

    /// <summary>The RID whose <c>runtimes/&lt;rid&gt;/native/</c> folder a portable build carries, e.g. <c>linux-x64</c>.</summary>
    /// <remarks>Built from the architecture rather than <see cref="RuntimeInformation.RuntimeIdentifier"/>, which a
    /// distribution's own .NET build reports as, for example, <c>ubuntu.24.04-x64</c>. Declared before the specs,
    /// whose hints use it: static initializers run in text order.</remarks>
    public static string HostRuntimeIdentifier { get; } = OperatingSystem.IsLinux()
        ? $"linux-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}"
        : RuntimeInformation.RuntimeIdentifier;

    public static NativeLibrarySpec OnnxRuntime { get; } = new(
        NativeLibraryId.OnnxRuntime, "ONNX Runtime", "libonnxruntime.so", "EDGEINSPECT_ORT_LIBRARY",
        $"run `dotnet build src/EdgeInspect.Worker -c Release` (it copies libonnxruntime.so from the Microsoft.ML.OnnxRuntime NuGet package into runtimes/{HostRuntimeIdentifier}/native/ of the output folder)",
        "Microsoft.ML.OnnxRuntime")
    {
        // A library that loads but cannot serve the package's API (an older ONNX Runtime) is refused here, by name,
        // rather than failing later inside the package's static constructor.
        Identify = OrtApiCheck.Problem,
    };

    public static NativeLibrarySpec OpenCvShim { get; } = new(
        NativeLibraryId.OpenCvShim, "the EdgeInspect OpenCV shim", "libedgeinspect_cv.so", "EDGEINSPECT_OPENCV_SHIM_LIBRARY",
        Bootstrap + " (it installs OpenCV 4.6 and libturbojpeg0 from Debian and builds the shim)");

    /// <summary>
    /// libgpiod 2 (libgpiod.so.3: Debian 13, Raspberry Pi OS trixie) before libgpiod 1.6 (libgpiod.so.2: Debian 12,
    /// bookworm); the override may name either, and the API is read from what the file exports (docs/gpio.md).
    /// </summary>
    public static NativeLibrarySpec Gpiod { get; } = new(
        NativeLibraryId.Gpiod, "libgpiod (2.x or 1.6)", "libgpiod.so.3", "EDGEINSPECT_GPIOD_LIBRARY",
        "run `sudo apt-get install -y --no-install-recommends libgpiod3` (Debian 13, Raspberry Pi OS trixie) "
        + "or `... libgpiod2` (Debian 12, bookworm; `bash scripts/bootstrap.sh` installs it)")
    {
        AlternativeFileNames = ["libgpiod.so.2"],
        Identify = global::EdgeInspect.Native.Gpiod.GpiodLibrary.NotLibgpiodReason,
    };

    public static IReadOnlyList<NativeLibrarySpec> All { get; } = [OnnxRuntime, OpenCvShim, Gpiod];

    private static readonly Lock Gate = new();
    private static readonly Dictionary<NativeLibraryId, (nint Handle, string From)> Loaded = [];
    private static bool _resolverRegistered;

    public static NativeLibrarySpec Spec(NativeLibraryId id) => All.First(s => s.Id == id);

    /// <summary>Where a loaded library came from (a path, or the soname given to the system loader); null when not loaded.</summary>
    public static string? LoadedFrom(NativeLibraryId id)
    {
        lock (Gate)
        {
            return Loaded.TryGetValue(id, out var loaded) ? loaded.From : null;
        }
    }

    /// <summary>Loads the library once and returns its handle; later calls return the same handle.</summary>
    /// <exception cref="NativeLibraryMissingException">No probed location yields a loadable library.</exception>
    public static nint Load(NativeLibraryId id)
    {
        lock (Gate)
        {
            RegisterResolver();
            if (Loaded.TryGetValue(id, out var loaded))
            {
                return loaded.Handle;
            }

            var handle = Probe(Spec(id), Environment.GetEnvironmentVariable, AppContext.BaseDirectory, out var from);
            Loaded[id] = (handle, from);
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
    internal static nint Probe(NativeLibrarySpec spec, Func<string, string?> environment, string appDirectory) =>
        Probe(spec, environment, appDirectory, out _);

    private static nint Probe(NativeLibrarySpec spec, Func<string, string?> environment, string appDirectory, out string from)
    {
        var attempts = new List<string>();
        var overridePath = environment(spec.OverrideVariable);
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            if (TryLoadFile(spec, overridePath, $"${spec.OverrideVariable}={overridePath}", attempts, out var handle))
            {
                from = overridePath;
                return handle;
            }

            throw new NativeLibraryMissingException(spec, attempts);
        }

        foreach (var fileName in spec.FileNames)
        {
            List<string> files = [Path.Combine(appDirectory, fileName)];
            if (spec.Package is not null)
            {
                files.Add(Path.Combine(appDirectory, "runtimes", HostRuntimeIdentifier, "native", fileName));
            }

            foreach (var file in files)
            {
                if (TryLoadFile(spec, file, file, attempts, out var fileHandle))
                {
                    from = file;
                    return fileHandle;
                }
            }

            var system = $"{fileName} through the system loader (ld.so.cache, LD_LIBRARY_PATH)";
            try
            {
                if (Identified(spec, NativeLibrary.Load(fileName), system, attempts) is var systemHandle and not 0)
                {
                    from = fileName;
                    return systemHandle;
                }
            }
            catch (DllNotFoundException e)
            {
                attempts.Add($"{system}: {FirstLine(e.Message)}");
            }
        }

        throw new NativeLibraryMissingException(spec, attempts);
    }

    private static bool TryLoadFile(NativeLibrarySpec spec, string path, string label, List<string> attempts, out nint handle)
    {
        handle = 0;
        if (!File.Exists(path))
        {
            attempts.Add($"{label} (file not found)");
            return false;
        }

        try
        {
            handle = Identified(spec, NativeLibrary.Load(path), label, attempts);
            return handle != 0;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            attempts.Add($"{label} (exists but did not load: {FirstLine(e.Message)})");
            return false;
        }
    }

    /// <summary>The handle when <see cref="NativeLibrarySpec.Identify"/> accepts it; otherwise 0, with the reason recorded.</summary>
    private static nint Identified(NativeLibrarySpec spec, nint handle, string label, List<string> attempts)
    {
        if (spec.Identify?.Invoke(handle) is not { } reason)
        {
            return handle;
        }

        NativeLibrary.Free(handle);
        attempts.Add($"{label} (loaded, but {reason})");
        return 0;
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

        // Microsoft.ML.OnnxRuntime registers its own resolver from NativeMethods' static constructor unless told not to;
        // a missing library would then surface as a TypeInitializationException on every later ORT call. Switch it off
        // (OrtEnv's static state is managed only) and route its "onnxruntime" import to the handle probed here.
        OrtEnv.DisableDllImportResolver = true;
        NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly, ResolveOnnxRuntime);
        _resolverRegistered = true;
    }

    private static nint ResolveOnnxRuntime(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == OrtApiCheck.PackageLibraryName ? Load(NativeLibraryId.OnnxRuntime) : 0;

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        foreach (var spec in All)
        {
            if (spec.FileNames.Contains(libraryName))
            {
                return Load(spec.Id);
            }
        }

        return 0;
    }
}
