using System.Text.Json.Nodes;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Cli;

namespace EdgeInspect.Worker.Tests.Monitoring;

[Trait("Category", "Integration")]
[Collection(PhoneSetMetrics.Collection)]
public sealed class BaselineCommandTests(PhoneSetMetrics sets)
{
    [Fact]
    public void Baseline_Writes_The_Reference_Statistics_Into_The_Package_Manifest_And_Keeps_Its_Other_Properties()
    {
        using var package = new TempDirectory("baseline");
        File.WriteAllText(package.File("model.json"), """{ "name": "phone-v1", "version": "1.0.0", "baseline": { "stale": true } }""");
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = BaselineCommand.Run(RepoPaths.PhoneSet("reference"), package.Path, package.File("baseline.json"), RegionOfInterest.ReferenceStation, scoreFrame: null, output, error);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal("", error.ToString());
        var manifest = (JsonObject)JsonNode.Parse(File.ReadAllText(package.File("model.json")))!;
        Assert.Equal(("phone-v1", "1.0.0"), (manifest["name"]!.GetValue<string>(), manifest["version"]!.GetValue<string>()));
        var written = DriftBaseline.FromJson((JsonObject)manifest["baseline"]!);
        Assert.Equal(150, written.FrameCount);
        Assert.Null(written.Score);
        Assert.Equal(sets.Baseline.ToJsonString(), written.ToJsonString());
        Assert.Equal(written.ToJsonString(), DriftBaseline.Parse(File.ReadAllText(package.File("baseline.json"))).ToJsonString());
        Assert.Contains("150 frames", output.ToString());
    }

    [Fact]
    public void The_Committed_Reference_Baseline_Is_The_One_The_Reference_Frames_Give()
    {
        // tests/data/phone-v1/reference-baseline.json is what `edgeinspect baseline` wrote for the reference set; if
        // the metrics or the binning change, regenerate it (docs/performance.md, "Monitoring and drift").
        var committed = DriftBaseline.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "data", "phone-v1", "reference-baseline.json")));

        Assert.Equal(sets.Baseline.ToJsonString(), committed.ToJsonString());
    }

    [Fact]
    public async Task The_Edgeinspect_Executable_Has_The_Baseline_Verb()
    {
        using var package = new TempDirectory("baseline");
        TestFiles.CopyDirectory(Path.Combine(RepoPaths.Models, "reference"), package.Path);

        var result = await CliProcess.RunAsync(["baseline", "--images", RepoPaths.PhoneSet("blur"), "--model", package.Path]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.StdErr);
        Assert.Contains("Baseline from 50 frames", result.StdOut);
        var written = DriftBaseline.FromJson((JsonObject)JsonNode.Parse(File.ReadAllText(package.File("model.json")))!["baseline"]!);
        Assert.Equal(50, written.FrameCount);
        // The package's own model scored the frames: the baseline carries the score distribution and the defect rate.
        Assert.NotNull(written.Score);
        Assert.NotNull(written.DefectRate);
        // The package still loads: writing the baseline left model.onnx and its sha256 alone.
        var verify = await CliProcess.RunAsync(["model", "verify", package.Path]);
        Assert.True(verify.ExitCode == ExitCodes.Ok, verify.StdErr + verify.StdOut);
    }

    [Fact]
    public void The_Score_Seam_Adds_A_Score_Histogram_And_A_Defect_Rate()
    {
        using var package = new TempDirectory("baseline");
        var frames = 0;

        var exit = BaselineCommand.Run(RepoPaths.PhoneSet("blur"), package.Path, null, RegionOfInterest.ReferenceStation,
            scoreFrame: _ => frames++ % 4 == 0 ? 0.9 : 0.1, TextWriter.Null, TextWriter.Null);

        Assert.Equal(ExitCodes.Ok, exit);
        var baseline = DriftBaseline.FromJson((JsonObject)JsonNode.Parse(File.ReadAllText(package.File("model.json")))!["baseline"]!);
        Assert.Equal(50, frames);
        Assert.Equal(13 / 50.0, baseline.DefectRate);
        Assert.NotNull(baseline.Score);
    }

    [Fact]
    public void A_Missing_Package_Or_An_Empty_Image_Folder_Is_Invalid_Input()
    {
        using var empty = new TempDirectory("baseline");
        var error = new StringWriter();

        Assert.Equal(ExitCodes.InvalidInput, BaselineCommand.Run(RepoPaths.PhoneSet("reference"), empty.File("missing"), null, RegionOfInterest.ReferenceStation, null, TextWriter.Null, error));
        Assert.Equal(ExitCodes.InvalidInput, BaselineCommand.Run(empty.Path, empty.Path, null, RegionOfInterest.ReferenceStation, null, TextWriter.Null, error));
        Assert.Contains("does not exist", error.ToString());
        Assert.Contains("No images", error.ToString());
    }

    [Theory]
    [InlineData("10,20,30,40", true)]
    [InlineData("", true)]
    [InlineData("10,20,30", false)]
    [InlineData("a,b,c,d", false)]
    public void The_Roi_Option_Is_Four_Whole_Numbers(string text, bool valid)
    {
        Assert.Equal(valid, BaselineCommand.TryParseRoi(text, out _));
    }
}
