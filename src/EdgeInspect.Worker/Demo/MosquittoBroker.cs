using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeInspect.Worker.Demo;

/// <summary>TLS listener files for <see cref="MosquittoBroker"/> (PEM); <paramref name="RequireClientCertificate"/> refuses clients without one signed by the CA.</summary>
public sealed record BrokerTls(string CaFile, string CertFile, string KeyFile, bool RequireClientCertificate = false);

/// <summary>How to run a local broker. Port 0 picks a free loopback port once; restarts keep it.</summary>
public sealed record MosquittoBrokerOptions
{
    public int Port { get; init; }

    /// <summary>Keeps sessions and queued messages across a stop/start (written on SIGTERM).</summary>
    public bool Persistence { get; init; }

    public BrokerTls? Tls { get; init; }

    /// <summary>Extra mosquitto.conf lines, appended after the listener block (an ACL file, limits).</summary>
    public IReadOnlyList<string> ExtraLines { get; init; } = [];
}

/// <summary>
/// Runs the Debian <c>mosquitto</c> broker as a child process on 127.0.0.1 with a generated config, for the demo, the
/// benchmarks and the tests. Stopped by PID with SIGTERM (so persistence is saved), never by name.
/// </summary>
/// <remarks>Demo and test support, not production: a station connects to the plant's broker and never starts one.</remarks>
public sealed class MosquittoBroker : IDisposable
{
    private readonly string _directory;
    private readonly bool _ownsDirectory;
    private Process? _process;
    private readonly StringBuilder _log = new();

    private MosquittoBroker(string directory, bool ownsDirectory, MosquittoBrokerOptions options, int port)
    {
        _directory = directory;
        _ownsDirectory = ownsDirectory;
        Options = options;
        Port = port;
        ConfigFile = Path.Combine(directory, "mosquitto.conf");
    }

    public MosquittoBrokerOptions Options { get; }

    public int Port { get; }

    public string Host => "127.0.0.1";

    public string ConfigFile { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The broker's stdout and stderr so far (for test failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Writes the config into <paramref name="directory"/> (a fresh temp folder when null) and starts the broker.</summary>
    public static async Task<MosquittoBroker> StartAsync(MosquittoBrokerOptions? options = null, string? directory = null, CancellationToken cancellationToken = default)
    {
        options ??= new MosquittoBrokerOptions();
        var owns = directory is null;
        directory ??= Path.Combine(Path.GetTempPath(), $"edgeinspect-broker-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var broker = new MosquittoBroker(directory, owns, options, options.Port == 0 ? FreeLoopbackPort() : options.Port);
        await File.WriteAllTextAsync(broker.ConfigFile, broker.RenderConfig(), cancellationToken);
        await broker.RestartAsync(cancellationToken);
        return broker;
    }

    /// <summary>The mosquitto executable: on PATH, or /usr/sbin where Debian puts it (not on a normal user's PATH).</summary>
    public static string? FindExecutable()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/usr/local/sbin")
            .Select(d => Path.Combine(d, "mosquitto"));
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Starts the broker again on the same port (after <see cref="Stop"/>), and waits until it accepts TCP connections.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            return;
        }

        var executable = FindExecutable()
            ?? throw new InvalidOperationException("mosquitto not found on PATH or in /usr/sbin; run `bash scripts/bootstrap.sh` (it installs the mosquitto package)");
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(ConfigFile);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {executable}");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited at start with code {process.ExitCode}:{Environment.NewLine}{Log}");
            }

            if (await AcceptsAsync(Port, cancellationToken))
            {
                return;
            }

            await Task.Delay(20, cancellationToken);
        }

        throw new TimeoutException($"mosquitto did not listen on 127.0.0.1:{Port} within 10 s:{Environment.NewLine}{Log}");
    }

    /// <summary>Stops the broker by its PID with SIGTERM (it saves persistence), or SIGKILL after 5 s.</summary>
    public void Stop()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            if (SafeNativeSignals.Terminate(process.Id) != 0 || !process.WaitForExit(5000))
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }

        process.Dispose();
        _process = null;
    }

    /// <summary>SIGHUP by PID: mosquitto reloads its config, including the ACL file, without dropping connections.</summary>
    public void Reload()
    {
        if (_process is { HasExited: false } process && SafeNativeSignals.Hangup(process.Id) != 0)
        {
            throw new InvalidOperationException($"could not send SIGHUP to mosquitto (pid {process.Id})");
        }
    }

    public void Dispose()
    {
        Stop();
        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Leave it to the temp cleaner.
            }
        }
    }

    private string RenderConfig()
    {
        var lines = new List<string>
        {
            "# Generated by EdgeInspect's MosquittoBroker: loopback only.",
            "per_listener_settings false",
            "allow_anonymous true",
            // Run as root, mosquitto would switch to the 'mosquitto' user and lose access to the key files and
            // persistence folder written by this process; as anyone else the line is ignored.
            $"user {Environment.UserName}",
            "log_dest stdout",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "max_queued_messages 200000",
            "max_inflight_messages 1000",
            $"persistence {(Options.Persistence ? "true" : "false")}",
        };
        if (Options.Persistence)
        {
            lines.Add($"persistence_location {_directory}/");
            lines.Add("autosave_interval 0");
        }

        lines.Add($"listener {Port} 127.0.0.1");
        if (Options.Tls is { } tls)
        {
            lines.Add($"cafile {tls.CaFile}");
            lines.Add($"certfile {tls.CertFile}");
            lines.Add($"keyfile {tls.KeyFile}");
            if (tls.RequireClientCertificate)
            {
                lines.Add("require_certificate true");
            }
        }

        lines.AddRange(Options.ExtraLines);
        return string.Join('\n', lines) + "\n";
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>kill(2) by PID: .NET's Process.Kill only sends SIGKILL, which would skip the broker's persistence save.</summary>
internal static partial class SafeNativeSignals
{
    private const int SigHup = 1;
    private const int SigTerm = 15;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static int Terminate(int pid) => Kill(pid, SigTerm);

    public static int Hangup(int pid) => Kill(pid, SigHup);
}
