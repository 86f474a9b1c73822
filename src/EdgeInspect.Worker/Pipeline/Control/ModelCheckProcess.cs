using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Models;

// Parameters are documented only where the name does not say enough.
#pragma warning disable CS1573

namespace EdgeInspect.Worker.Pipeline.Control;

/// <summary>How a candidate's check in a child process ended.</summary>
public enum ModelCheckVerdict
{
    /// <summary>The child loaded the package and passed its golden self-test.</summary>
    Passed,

    /// <summary>The child refused the package and said why (hash, manifest, contract, self-test).</summary>
    Refused,

    /// <summary>The child died without an answer: ONNX Runtime (or anything native) crashed it, or it exited oddly.</summary>
    Crashed,

    /// <summary>The child was still busy at the timeout and was killed.</summary>
    TimedOut,

    /// <summary>The child could not be started at all.</summary>
    NotStarted,
}

/// <summary>The outcome of one check: the verdict, the child's exit, its errors (when it refused) and how long it took.</summary>
/// <param name="Signal">The signal that ended the child (exit code above 128), e.g. "SIGSEGV"; null otherwise.</param>
/// <param name="StdErrTail">The last lines the child wrote to stderr (for a crash: the runtime's or the native library's last words).</param>
public sealed record ModelCheckResult(ModelCheckVerdict Verdict, int? ExitCode, string? Signal, IReadOnlyList<ConfigError> Errors, TimeSpan Elapsed, string StdErrTail);

/// <summary>
/// Checks a model package in a child process before the station loads it: <c>edgeinspect model verify --json
/// &lt;package&gt;</c>, with a timeout. ONNX Runtime is native code: some malformed models make it crash the process
/// that loads them (an abort or a segmentation fault no exception handler sees). A candidate comes from outside while
/// the station is serving, so it is loaded and self-tested in a throw-away process first; only when that passes does
/// the station load it itself (docs/reliability.md, "Malformed models").
/// </summary>
/// <remarks>
/// The child is this same executable: the apphost when the station runs as <c>edgeinspect</c>, otherwise the
/// <c>dotnet</c> host with this assembly (a test host, <c>dotnet edgeinspect.dll</c>). Thread-safe; each check runs its
/// own child. The counters are for the reliability campaign and the logs.
/// </remarks>
public sealed class ModelCheckProcess
{
    /// <summary>Long enough for a slow board to start .NET, load ORT and run the self-test; a hang ends here.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly TimeSpan _timeout;
    private readonly Func<IReadOnlyList<string>, ProcessStartInfo> _startInfo;
    private long _checked, _passed, _refused, _crashed, _timedOut;

    /// <param name="timeout">How long the child may take; null for <see cref="DefaultTimeout"/>.</param>
    /// <param name="startInfo">Builds the child's start info from its arguments; null runs this executable.</param>
    public ModelCheckProcess(TimeSpan? timeout = null, Func<IReadOnlyList<string>, ProcessStartInfo>? startInfo = null)
    {
        _timeout = timeout ?? DefaultTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_timeout, TimeSpan.Zero);
        _startInfo = startInfo ?? SelfStartInfo;
    }

    public long Checked => Interlocked.Read(ref _checked);

    public long Passed => Interlocked.Read(ref _passed);

    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Children that died without an answer (crashed) or were killed at the timeout.</summary>
    public long Crashed => Interlocked.Read(ref _crashed);

    public long TimedOut => Interlocked.Read(ref _timedOut);

    /// <summary>Runs the check and throws unless it passed.</summary>
    /// <exception cref="ModelPackageException">The child refused the package (its errors), crashed, hung, or could not start.</exception>
    public void EnsurePasses(string packageFolder)
    {
        var result = Check(packageFolder, CancellationToken.None);
        if (result.Verdict == ModelCheckVerdict.Passed)
        {
            return;
        }

        throw new ModelPackageException(packageFolder, result.Verdict == ModelCheckVerdict.Refused && result.Errors.Count > 0 ? result.Errors : [Describe(result)]);
    }

    /// <summary>Runs <c>model verify --json</c> on <paramref name="packageFolder"/> in a child and reads its answer.</summary>
    public ModelCheckResult Check(string packageFolder, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _checked);
        var clock = Stopwatch.StartNew();
        Process? process;
        try
        {
            process = Process.Start(_startInfo(["model", "verify", "--json", Path.GetFullPath(packageFolder)]));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            Interlocked.Increment(ref _crashed);
            return new ModelCheckResult(ModelCheckVerdict.NotStarted, null, null, [], clock.Elapsed, e.Message);
        }

        if (process is null)
        {
            Interlocked.Increment(ref _crashed);
            return new ModelCheckResult(ModelCheckVerdict.NotStarted, null, null, [], clock.Elapsed, "the check process did not start");
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            bool exited;
            try
            {
                exited = process.WaitForExitAsync(cancellationToken).Wait(_timeout);
            }
            catch (AggregateException e) when (e.InnerException is OperationCanceledException)
            {
                exited = false;
            }

            if (!exited)
            {
                Kill(process);
                Interlocked.Increment(ref _timedOut);
                Interlocked.Increment(ref _crashed);
                return new ModelCheckResult(ModelCheckVerdict.TimedOut, null, null, [], clock.Elapsed, Tail(stderr));
            }

            process.WaitForExit(); // the redirected streams reach their end too
            var code = process.ExitCode;
            var answer = ReadAnswer(stdout.GetAwaiter().GetResult());
            var tail = Tail(stderr);
            if (answer is { Ok: true } && code == 0)
            {
                Interlocked.Increment(ref _passed);
                return new ModelCheckResult(ModelCheckVerdict.Passed, code, null, [], clock.Elapsed, tail);
            }

            if (answer is { Ok: false } refused && code is 1 or 2 or 3)
            {
                Interlocked.Increment(ref _refused);
                return new ModelCheckResult(ModelCheckVerdict.Refused, code, null, refused.Errors, clock.Elapsed, tail);
            }

            Interlocked.Increment(ref _crashed);
            return new ModelCheckResult(ModelCheckVerdict.Crashed, code, SignalName(code), [], clock.Elapsed, tail);
        }
    }

    /// <summary>The refusal a station reports for a check that gave no verdict of its own.</summary>
    public ConfigError Describe(ModelCheckResult result)
    {
        var seconds = result.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        return result.Verdict switch
        {
            ModelCheckVerdict.Crashed => new ConfigError("model",
                $"crashed the check process (exit {result.ExitCode}{(result.Signal is { } s ? ", " + s : "")}) while it was loaded and self-tested there"
                + (LastLine(result.StdErrTail) is { Length: > 0 } line ? $": {line}" : "") + "; it was not loaded into the station",
                "a model ONNX Runtime can load (check it with `edgeinspect model verify <package>` on a bench machine)"),
            ModelCheckVerdict.TimedOut => new ConfigError("model",
                $"did not finish loading and self-testing within {_timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s in the check process (killed after {seconds} s)",
                "a package whose self-test finishes in seconds"),
            ModelCheckVerdict.NotStarted => new ConfigError("model",
                $"could not be checked: the check process did not start ({result.StdErrTail})",
                "the edgeinspect executable (or the dotnet host) runnable by the station's user"),
            _ => new ConfigError("model", $"was refused by the check process (exit {result.ExitCode})", "a package `edgeinspect model verify` accepts"),
        };
    }

    /// <summary>This executable: the apphost when the station runs as edgeinspect, else the dotnet host with this assembly.</summary>
    public static ProcessStartInfo SelfStartInfo(IReadOnlyList<string> arguments)
    {
        var processPath = Environment.ProcessPath;
        var assembly = typeof(ModelCheckProcess).Assembly.Location;
        ProcessStartInfo psi;
        if (processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "edgeinspect")
        {
            psi = new ProcessStartInfo(processPath);
        }
        else
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h
                : processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet" ? processPath
                : "dotnet";
            psi = new ProcessStartInfo(host);
            psi.ArgumentList.Add(assembly);
        }

        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        psi.UseShellExecute = false;
        // A crash dump of a crashing model would fill the station's disk; the exit code is all that is needed.
        psi.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        return psi;
    }

    private static Answer? ReadAnswer(string stdout)
    {
        // The JSON object is the last line the child printed (ORT or OpenCV may print before it).
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = lines.Length - 1; i >= 0; i--)
        {
            if (!lines[i].StartsWith('{'))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(lines[i]);
                var root = document.RootElement;
                if (!root.TryGetProperty("ok", out var ok) || ok.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return null;
                }

                var errors = new List<ConfigError>();
                if (root.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var e in list.EnumerateArray())
                    {
                        errors.Add(new ConfigError(Text(e, "path"), Text(e, "problem"), Text(e, "expected")));
                    }
                }

                return new Answer(ok.GetBoolean(), errors);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                return null;
            }
        }

        return null;

        static string Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own meanwhile.
        }
    }

    private static string Tail(Task<string> stderr)
    {
        if (!stderr.Wait(TimeSpan.FromSeconds(2)))
        {
            return "";
        }

        var lines = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join('\n', lines.TakeLast(5));
    }

    private static string? LastLine(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return line is { Length: > 300 } ? line[..300] : line;
    }

    /// <summary>.NET reports a child killed by signal N as exit code 128 + N.</summary>
    private static string? SignalName(int code) => code switch
    {
        134 => "SIGABRT",
        135 => "SIGBUS",
        136 => "SIGFPE",
        137 => "SIGKILL",
        139 => "SIGSEGV",
        > 128 and < 160 => $"signal {code - 128}",
        _ => null,
    };

    private sealed record Answer(bool Ok, IReadOnlyList<ConfigError> Errors);
}
