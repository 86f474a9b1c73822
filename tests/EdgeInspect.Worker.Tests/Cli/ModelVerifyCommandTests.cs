using System.Diagnostics;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Cli;

namespace EdgeInspect.Worker.Tests.Cli;

[Trait("Category", "Integration")]
public sealed class ModelVerifyCommandTests
{
    private static string Shipped(string name) => Path.Combine(RepoPaths.Models, name);

    [Fact]
    public async Task Verifying_The_Reference_Package_Prints_Its_Contract_And_Passes_The_Self_Test()
    {
        var result = await CliProcess.RunAsync(["model", "verify", Shipped("reference")]);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("phone-cover-defects 1.0.0", result.StdOut);
        Assert.Contains("sha256 a887341c2847a2f300680b82361f8af7c1b995dea465c89299a31772bdea3cd1 (verified)", result.StdOut);
        Assert.Contains("ROI x=200 y=40 w=240 h=400", result.StdOut);
        Assert.Contains("classes ok, scratch, pit, discoloration", result.StdOut);
        Assert.Contains("golden/scratch-00004.jpg: scratch", result.StdOut);
        Assert.Contains("Package OK", result.StdOut);
    }

    [Fact]
    public async Task Dotnet_Run_From_The_Repository_Root_Verifies_A_Package_Named_Relative_To_It()
    {
        // The way a new user tries it: `dotnet run --project src/EdgeInspect.Worker -- model verify models/reference`
        // from the checkout. The program must see the folder the user typed from, not the project's.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "run", "--no-build", "-c", configuration, "--project", Path.Combine("src", "EdgeInspect.Worker"), "--", "model", "verify", "models/reference" })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(process.ExitCode == ExitCodes.Ok, await stderr + await stdout);
        Assert.Contains("Package      models/reference", await stdout);
        Assert.Contains("Package OK: phone-cover-defects 1.0.0", await stdout);
    }

    [Fact]
    public async Task Verifying_The_Score_Package_Passes()
    {
        var result = await CliProcess.RunAsync(["model", "verify", Shipped("reference-score")]);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("defect_score", result.StdOut);
    }

    [Fact]
    public async Task A_Tampered_Model_Exits_With_Invalid_Input_And_Names_The_Hash_Without_A_Stack_Trace()
    {
        using var temp = new TempDirectory();
        var package = Path.Combine(temp.Path, "pkg");
        Directory.CreateDirectory(Path.Combine(package, "golden"));
        foreach (var file in Directory.EnumerateFiles(Shipped("reference"), "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(package, Path.GetRelativePath(Shipped("reference"), file)));
        }

        await using (var model = File.OpenWrite(Path.Combine(package, "model.onnx")))
        {
            model.Seek(1000, SeekOrigin.Begin);
            model.WriteByte(0x42);
        }

        var result = await CliProcess.RunAsync(["model", "verify", package]);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("sha256: is a887341c2847a2f300680b82361f8af7c1b995dea465c89299a31772bdea3cd1 in model.json but model.onnx hashes to", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
        Assert.Contains("phone-cover-defects 1.0.0", result.StdOut);
        Assert.DoesNotContain("(verified)", result.StdOut);
    }

    [Fact]
    public async Task A_Folder_Without_A_Manifest_Exits_With_Invalid_Input()
    {
        using var temp = new TempDirectory();

        var result = await CliProcess.RunAsync(["model", "verify", temp.Path]);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("model.json: is missing", result.StdErr);
    }
}
