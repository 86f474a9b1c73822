using System.Diagnostics;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Cli;

namespace EdgeInspect.Worker.Tests.Install;

/// <summary>
/// scripts/install.sh into a temporary root: the command works from any folder, a second run changes nothing, and
/// --uninstall leaves the root as it found it. The app installed is the Worker's own build output (what the test run
/// already built), not a fresh publish: the script installs either the same way, and a publish would cost minutes.
/// </summary>
[Trait("Category", "Integration")]
public sealed class InstallScriptTests : IDisposable
{
    private static readonly string Script = Path.Combine(RepoPaths.Root, "scripts", "install.sh");
    private readonly TempDirectory _root = new("edgeinspect-root");
    private readonly TempDirectory _elsewhere = new("edgeinspect-cwd");

    /// <summary>src/EdgeInspect.Worker/bin/{the configuration these tests were built in}/net10.0.</summary>
    private static string WorkerBuild
    {
        get
        {
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            return Path.Combine(RepoPaths.Root, "src", "EdgeInspect.Worker", "bin", framework.Parent!.Name, framework.Name);
        }
    }

    public void Dispose()
    {
        _root.Dispose();
        _elsewhere.Dispose();
    }

    [Fact]
    public async Task Install_Gives_A_Command_That_Works_From_Any_Folder_Then_Uninstall_Leaves_Nothing_Behind()
    {
        SeedAccounts(_root.Path);
        var before = Snapshot(_root.Path);

        var install = await RunAsync("bash", [Script, "--root", _root.Path, "--from", WorkerBuild], RepoPaths.Root);

        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Contains("created system user edgeinspect", install.StdOut);
        Assert.Contains("linked /usr/local/bin/edgeinspect -> /opt/edgeinspect/edgeinspect", install.StdOut);
        var command = Path.Combine(_root.Path, "usr", "local", "bin", "edgeinspect");
        Assert.Equal("../../../opt/edgeinspect/edgeinspect", new FileInfo(command).LinkTarget);
        Assert.True(File.Exists(Path.Combine(_root.Path, "etc", "udev", "rules.d", "60-edgeinspect-gpio.rules")));
        var unit = Path.Combine(_root.Path, "etc", "systemd", "system", "edgeinspect.service");
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "firmware-config", "systemd", "edgeinspect.service")), File.ReadAllText(unit));
        // Every program the unit starts is where the install put it.
        foreach (var program in File.ReadAllLines(unit).Where(l => l.StartsWith("Exec", StringComparison.Ordinal))
                     .Select(l => l[(l.IndexOf('=') + 1)..].TrimStart('-').Split(' ')[0]))
        {
            Assert.True(File.Exists(_root.Path + program), $"{program} (from the unit) is not installed");
        }

        var passwd = File.ReadAllLines(Path.Combine(_root.Path, "etc", "passwd"));
        Assert.Contains(passwd, l => l.StartsWith("edgeinspect:", StringComparison.Ordinal) && l.EndsWith(":/var/lib/edgeinspect:/usr/sbin/nologin", StringComparison.Ordinal));
        var groups = File.ReadAllLines(Path.Combine(_root.Path, "etc", "group"));
        Assert.Contains(groups, l => l.StartsWith("video:", StringComparison.Ordinal) && l.Split(':')[3].Split(',').Contains("edgeinspect"));
        Assert.Contains(groups, l => l.StartsWith("gpio:", StringComparison.Ordinal) && l.Split(':')[3].Split(',').Contains("edgeinspect"));

        // From a folder that has nothing to do with the repository or the install.
        var doctor = await RunAsync(command, ["doctor"], _elsewhere.Path);
        Assert.True(doctor.ExitCode == ExitCodes.Ok, doctor.ToString());
        Assert.Contains("Native stack ready.", doctor.StdOut);

        var absolute = await RunAsync(command, ["model", "verify", Path.Combine(_root.Path, "opt", "edgeinspect", "models", "reference")], _elsewhere.Path);
        Assert.True(absolute.ExitCode == ExitCodes.Ok, absolute.ToString());
        Assert.Contains("phone-cover-defects", absolute.StdOut);
        var relative = await RunAsync(command, ["model", "verify", Path.Combine("edgeinspect", "models", "reference-score")], Path.Combine(_root.Path, "opt"));
        Assert.True(relative.ExitCode == ExitCodes.Ok, relative.ToString());
        var missing = await RunAsync(command, ["model", "verify", "models/reference"], _elsewhere.Path);
        Assert.Equal(ExitCodes.InvalidInput, missing.ExitCode);

        // Idempotent: a second run finds everything in place and creates nothing.
        var again = await RunAsync("bash", [Script, "--root", _root.Path, "--from", WorkerBuild], RepoPaths.Root);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("/opt/edgeinspect is up to date", again.StdOut);
        Assert.Contains("/usr/local/bin/edgeinspect already links to /opt/edgeinspect/edgeinspect", again.StdOut);
        Assert.Contains("user edgeinspect exists", again.StdOut);
        Assert.DoesNotContain("created", again.StdOut);
        Assert.Equal(passwd, File.ReadAllLines(Path.Combine(_root.Path, "etc", "passwd")));

        var uninstall = await RunAsync("bash", [Script, "--root", _root.Path, "--uninstall"], _elsewhere.Path);
        Assert.True(uninstall.ExitCode == 0, uninstall.ToString());
        Assert.Contains("removed user edgeinspect", uninstall.StdOut);
        Assert.Contains("removed group gpio", uninstall.StdOut);
        Assert.DoesNotContain("removed group video", uninstall.StdOut); // the root had it before
        Assert.Equal(before, Snapshot(_root.Path));
    }

    [Fact]
    public async Task Uninstall_Keeps_The_Station_File_And_The_Outbox_Unless_Purged()
    {
        var install = await RunAsync("bash", [Script, "--root", _root.Path, "--from", WorkerBuild], RepoPaths.Root);
        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Contains("no " + _root.Path + "/etc/passwd: users and groups not created", install.StdOut);
        Directory.CreateDirectory(Path.Combine(_root.Path, "var", "lib", "edgeinspect"));
        File.WriteAllText(Path.Combine(_root.Path, "var", "lib", "edgeinspect", "outbox.db"), "records not yet published");
        File.WriteAllText(Path.Combine(_root.Path, "etc", "edgeinspect.json"), "unrelated");
        Directory.CreateDirectory(Path.Combine(_root.Path, "etc", "edgeinspect"));
        File.WriteAllText(Path.Combine(_root.Path, "etc", "edgeinspect", "station.json"), "{}");

        var uninstall = await RunAsync("bash", [Script, "--root", _root.Path, "--uninstall"], _elsewhere.Path);
        Assert.True(uninstall.ExitCode == 0, uninstall.ToString());
        Assert.Contains("kept /var/lib/edgeinspect", uninstall.StdOut);
        Assert.True(File.Exists(Path.Combine(_root.Path, "var", "lib", "edgeinspect", "outbox.db")));
        Assert.True(File.Exists(Path.Combine(_root.Path, "etc", "edgeinspect", "station.json")));
        Assert.False(Directory.Exists(Path.Combine(_root.Path, "opt", "edgeinspect")));

        var purge = await RunAsync("bash", [Script, "--root", _root.Path, "--uninstall", "--purge"], _elsewhere.Path);
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.False(Directory.Exists(Path.Combine(_root.Path, "var", "lib", "edgeinspect")));
        Assert.False(Directory.Exists(Path.Combine(_root.Path, "etc", "edgeinspect")));
        Assert.True(File.Exists(Path.Combine(_root.Path, "etc", "edgeinspect.json")));
    }

    [Fact]
    public async Task Outputs_Off_Speaks_Libgpiod_1_6_Gpioset_Here()
    {
        // Debian 12's real gpioset (libgpiod 1.6, installed by the bootstrap). There is no chip, so it fails after
        // printing the command it ran.
        var wrapper = Path.Combine(RepoPaths.Root, "firmware-config", "systemd", "edgeinspect-outputs-off");

        var result = await RunAsync(wrapper, ["gpiochip0", "26", "21"], _elsewhere.Path);

        Assert.Contains("edgeinspect-outputs-off: libgpiod 1: gpioset gpiochip0 26=0 21=0", result.StdErr);
        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Outputs_Off_Gives_Libgpiod_2_Gpioset_A_Zero_Toggle_So_It_Exits()
    {
        // libgpiod 2's gpioset (Debian 13) is not installable on Debian 12: a stand-in answers --version as it does
        // and records its arguments.
        var fake = _elsewhere.File("gpioset");
        File.WriteAllText(fake, """
            #!/bin/sh
            if [ "$1" = --version ]; then echo "gpioset (libgpiod) v2.2.1"; echo "Copyright (C) 2017-2023 Bartosz Golaszewski"; exit 0; fi
            echo "args: $*"
            """.Replace("\r", ""));
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var wrapper = Path.Combine(RepoPaths.Root, "firmware-config", "systemd", "edgeinspect-outputs-off");

        var result = await RunAsync(wrapper, ["gpiochip0", "26"], _elsewhere.Path, new() { ["GPIOSET"] = fake });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("args: -c gpiochip0 -t 0 26=0", result.StdOut.Trim());
    }

    /// <summary>The account files of a bare system: what useradd and groupadd edit under --root.</summary>
    private static void SeedAccounts(string root)
    {
        var etc = Directory.CreateDirectory(Path.Combine(root, "etc")).FullName;
        File.WriteAllText(Path.Combine(etc, "passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        File.WriteAllText(Path.Combine(etc, "shadow"), "root:*:20000:0:99999:7:::\n");
        File.WriteAllText(Path.Combine(etc, "group"), "root:x:0:\nvideo:x:44:\n");
        File.WriteAllText(Path.Combine(etc, "gshadow"), "root:*::\nvideo:*::\n");
    }

    /// <summary>
    /// Every path under the root with its content; the shadow tools' own backups (passwd-, group-, ...) are left out,
    /// as on any Debian system they are kept by every account change.
    /// </summary>
    private static SortedDictionary<string, string> Snapshot(string root)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, path);
            if (relative.StartsWith("etc/", StringComparison.Ordinal) && relative.EndsWith('-'))
            {
                continue;
            }

            entries[relative] = Directory.Exists(path) ? "<dir>" : File.ReadAllText(path);
        }

        return entries;
    }

    private sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
    }

    private static async Task<Result> RunAsync(string program, IEnumerable<string> args, string workingDirectory, Dictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? [])
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not exit within 3 minutes");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
