using System.Text.Json.Nodes;
using EdgeInspect.Core.Models;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Core.Tests.Models;

public sealed class ModelManifestReaderTests
{
    private static JsonObject ReferenceJson() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Models, "reference", "model.json")))!.AsObject();

    private static ModelPackageException Refuse(Action<JsonObject> edit)
    {
        var json = ReferenceJson();
        edit(json);
        return Assert.Throws<ModelPackageException>(() => ModelManifestReader.Parse(json.ToJsonString()));
    }

    [Fact]
    public void The_Reference_Manifest_Reads_Into_The_Documented_Contract()
    {
        var m = ModelManifestReader.Parse(ReferenceJson().ToJsonString());

        Assert.Equal(new ModelIdentity("phone-cover-defects", "1.0.0", "a887341c2847a2f300680b82361f8af7c1b995dea465c89299a31772bdea3cd1"), m.Identity);
        Assert.Equal(new PixelRect(200, 40, 240, 400), m.Input.Roi);
        Assert.Equal((224, 224, 3), (m.Input.Width, m.Input.Height, m.Input.Channels));
        Assert.Equal(PixelOrder.Rgb, m.Input.PixelOrder);
        Assert.Equal(OutputKind.ClassProbabilities, m.Output.Kind);
        Assert.Equal(0, m.Output.OkIndex);
        Assert.Equal(new DecisionRules(0.5, 0.2, 0.8), m.Decision);
        Assert.Equal(2, m.GoldenSamples.Length);
        // The drift baseline written by `edgeinspect baseline` from tests/data/phone-v1/reference, in the contract's ROI.
        var baseline = EdgeInspect.Core.Monitoring.DriftBaseline.FromJson(Assert.IsType<System.Text.Json.Nodes.JsonObject>(m.Baseline));
        Assert.Equal(150, baseline.FrameCount);
        Assert.Equal(new EdgeInspect.Core.Monitoring.RegionOfInterest(200, 40, 240, 400), baseline.Roi);
        Assert.NotNull(baseline.Score);
    }

    [Fact]
    public void Every_Error_Is_Reported_At_Once_With_Field_Found_And_Expected()
    {
        var e = Refuse(m =>
        {
            m["input"]!["shape"] = new JsonArray(1, 3, 224);
            m["output"]!["ok_class"] = "good";
            m["decision"]!["uncertainty_band"]!["high"] = 1.5;
        });

        Assert.Equal(["decision.uncertainty_band.high", "input.shape", "output.ok_class"], e.Errors.Select(x => x.Path).Order());
        var okClass = e.Errors.Single(x => x.Path == "output.ok_class");
        Assert.Equal("is \"good\"", okClass.Problem);
        Assert.Equal("one of output.class_names (ok, scratch, pit, discoloration)", okClass.Expected);
        Assert.Contains("output.ok_class: is \"good\"; expected one of", e.Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    public void A_Non_Finite_Threshold_Is_Refused(string value)
    {
        var error = Assert.Single(Refuse(m => m["decision"]!["defect_threshold"] = value).Errors);

        Assert.Equal("decision.defect_threshold", error.Path);
        Assert.Equal("a finite number in [0, 1]", error.Expected);
    }

    [Fact]
    public void A_Threshold_Outside_Its_Uncertainty_Band_Is_Refused()
    {
        var error = Assert.Single(Refuse(m => m["decision"]!["defect_threshold"] = 0.9).Errors);

        Assert.Equal("decision.uncertainty_band", error.Path);
        Assert.Equal("low <= defect_threshold <= high", error.Expected);
    }

    [Fact]
    public void A_Golden_Sample_With_The_Wrong_Number_Of_Outputs_Is_Refused()
    {
        var error = Assert.Single(Refuse(m => m["golden_samples"]![1]!["expected_output"] = new JsonArray(0.5, 0.5)).Errors);

        Assert.Equal("golden_samples[1].expected_output", error.Path);
        Assert.Equal("has 2 values", error.Problem);
        Assert.Equal("4 (the output tensor's size)", error.Expected);
    }

    [Theory]
    [InlineData("../model.onnx")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../model.onnx")]
    public void A_Model_Path_Leaving_The_Package_Is_Refused(string path)
    {
        var error = Assert.Single(Refuse(m => m["model"] = path).Errors);

        Assert.Equal("model", error.Path);
        Assert.Contains("leaves the package folder", error.Problem);
    }

    [Fact]
    public void A_Score_Model_Needs_Exactly_Two_Class_Names()
    {
        var error = Assert.Single(Refuse(m => m["output"]!["kind"] = "defect_score").Errors, x => x.Path == "output.class_names");

        Assert.Equal("has 4 names", error.Problem);
    }

    [Fact]
    public void An_Unknown_Format_Or_Layout_Is_Refused_Naming_What_Is_Supported()
    {
        var e = Refuse(m =>
        {
            m["format"] = 2;
            m["input"]!["layout"] = "NHWC";
            m["input"]!["resize"] = "area";
        });

        Assert.Contains(e.Errors, x => x is { Path: "format", Problem: "is 2", Expected: "1" });
        Assert.Contains(e.Errors, x => x is { Path: "input.layout", Problem: "is \"NHWC\"", Expected: "one of NCHW" });
        Assert.Contains(e.Errors, x => x is { Path: "input.resize", Expected: "one of bilinear" });
    }

    [Fact]
    public void Malformed_Json_Is_Refused_Not_Thrown_As_A_Parser_Exception()
    {
        var e = Assert.Throws<ModelPackageException>(() => ModelManifestReader.Parse("{ \"name\": "));

        Assert.Contains("is not valid JSON", Assert.Single(e.Errors).Problem);
    }

    [Fact]
    public void A_Baseline_Object_Is_Kept_As_Raw_Json()
    {
        var m = ModelManifestReader.Parse(ReferenceJson().Also(j => j["baseline"] = new JsonObject { ["brightness"] = new JsonObject { ["mean"] = 101.5 } }).ToJsonString());

        Assert.Equal(101.5, m.Baseline!["brightness"]!["mean"]!.GetValue<double>());
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject json, Action<JsonObject> edit)
    {
        edit(json);
        return json;
    }
}
