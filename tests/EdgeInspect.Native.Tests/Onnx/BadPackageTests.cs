using System.Text.Json.Nodes;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Models;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Onnx;

/// <summary>Every bad package the issue lists: each is refused with an error naming the field, what was found and
/// what was expected, and the test process (the service) lives on.</summary>
[Trait("Category", "Integration")]
public sealed class BadPackageTests
{
    private static ConfigError Refused(string packageDirectory, string field)
    {
        var e = Assert.Throws<ModelPackageException>(() => OnnxModel.Load(packageDirectory));
        return Assert.Single(e.Errors, error => error.Path == field);
    }

    [Fact]
    public void A_Truncated_Model_Is_Refused_By_Onnx_Runtime_Even_When_Its_Hash_Matches()
    {
        using var package = new PackageCopy();
        var bytes = File.ReadAllBytes(package.ModelPath);
        package.ReplaceModel(bytes[..(bytes.Length / 2)]);

        var error = Refused(package.Directory, "model");

        Assert.Contains("refused by ONNX Runtime", error.Problem);
        Assert.Equal("a valid ONNX model", error.Expected);
    }

    [Fact]
    public void Random_Bytes_As_The_Model_Are_Refused()
    {
        using var package = new PackageCopy();
        var garbage = new byte[50_000];
        new Random(11).NextBytes(garbage);
        package.ReplaceModel(garbage);

        Assert.Contains("InvalidProtobuf", Refused(package.Directory, "model").Problem);
    }

    [Fact]
    public void A_Valid_Onnx_With_The_Wrong_Input_Shape_Is_Refused_Naming_The_Dimension()
    {
        using var package = new PackageCopy();
        package.ReplaceModel(OnnxTestModels.Identity("image", "probs", 1, 3, 112, 112));

        var error = Refused(package.Directory, "input.shape[2]");

        Assert.Contains("gives 224", error.Problem);
        Assert.Contains("image float32[1, 3, 112, 112]", error.Problem);
        Assert.Equal("112", error.Expected);
    }

    [Fact]
    public void A_Manifest_Naming_An_Output_The_Model_Does_Not_Have_Is_Refused()
    {
        using var package = new PackageCopy();
        package.EditManifest(m => m["output"]!["tensor"] = "logits");

        var error = Refused(package.Directory, "output.tensor");

        Assert.Contains("\"logits\"", error.Problem);
        Assert.Contains("\"probs\"", error.Problem);
    }

    [Fact]
    public void A_Sha256_Mismatch_Is_Refused_Before_Onnx_Runtime_Sees_The_File()
    {
        using var package = new PackageCopy();
        var bytes = File.ReadAllBytes(package.ModelPath);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(package.ModelPath, bytes);

        var error = Refused(package.Directory, "sha256");

        Assert.Contains("a887341c2847a2f300680b82361f8af7c1b995dea465c89299a31772bdea3cd1", error.Problem);
        Assert.Contains("hashes to", error.Problem);
    }

    [Fact]
    public void A_Manifest_Missing_Required_Fields_Lists_Each_One()
    {
        using var package = new PackageCopy();
        package.EditManifest(m =>
        {
            m.Remove("name");
            m["input"]!.AsObject().Remove("roi");
            m.Remove("decision");
        });

        var e = Assert.Throws<ModelPackageException>(() => OnnxModel.Load(package.Directory));

        Assert.Equal(["decision", "input.roi", "name"], e.Errors.Select(x => x.Path).Order());
        Assert.All(e.Errors, x => Assert.Equal("is missing", x.Problem));
    }

    [Fact]
    public void A_NaN_Threshold_Is_Refused()
    {
        using var package = new PackageCopy();
        package.EditManifest(m => m["decision"]!["defect_threshold"] = "NaN");

        var error = Refused(package.Directory, "decision.defect_threshold");

        Assert.Equal("is NaN", error.Problem);
        Assert.Equal("a finite number in [0, 1]", error.Expected);
    }

    [Fact]
    public void A_Bare_NaN_Token_Is_Refused_As_Invalid_Json_Naming_The_Field()
    {
        using var package = new PackageCopy();
        var path = Path.Combine(package.Directory, "model.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"defect_threshold\": 0.5", "\"defect_threshold\": NaN"));

        Assert.Contains("is not valid JSON", Refused(package.Directory, "decision.defect_threshold").Problem);
    }

    [Fact]
    public void A_Zero_Byte_Model_File_Is_Refused()
    {
        using var package = new PackageCopy();
        File.WriteAllBytes(package.ModelPath, []);

        Assert.Equal("\"model.onnx\" is 0 bytes", Refused(package.Directory, "model").Problem);
    }

    [Fact]
    public void A_Model_Path_That_Escapes_The_Package_Folder_Is_Refused()
    {
        using var package = new PackageCopy();
        File.Copy(package.ModelPath, Path.Combine(package.Outside, "elsewhere.onnx"));
        package.EditManifest(m => m["model"] = "../elsewhere.onnx");

        var error = Refused(package.Directory, "model");

        Assert.Contains("leaves the package folder", error.Problem);
    }

    [Fact]
    public void A_Model_That_Is_A_Symlink_Out_Of_The_Package_Is_Refused()
    {
        using var package = new PackageCopy();
        var outside = Path.Combine(package.Outside, "outside.onnx");
        File.Move(package.ModelPath, outside);
        File.CreateSymbolicLink(package.ModelPath, outside);

        var error = Refused(package.Directory, "model");

        Assert.Contains("outside the package folder", error.Problem);
        Assert.Contains(outside, error.Problem);
    }

    [Fact]
    public void A_Golden_Sample_That_No_Longer_Matches_Is_Refused_With_The_Value_The_Model_Gave()
    {
        using var package = new PackageCopy();
        package.EditManifest(m => m["golden_samples"]![0]!["expected_output"] = new JsonArray(0.5, 0.2, 0.2, 0.1));

        var e = Assert.Throws<ModelPackageException>(() => OnnxModel.Load(package.Directory));

        var error = Assert.Single(e.Errors, x => x.Path == "golden_samples[0].expected_output[0]");
        Assert.StartsWith("the model gives 0.96", error.Problem);
        Assert.StartsWith("0.5 ± 0.0001", error.Expected);
    }

    [Fact]
    public void A_Model_With_Two_Inputs_Or_A_Non_Float_Input_Would_Name_The_Input_Field()
    {
        // A float64 model cannot be written with the tiny test writer, so check the contract against specs directly.
        using var package = new PackageCopy();
        var manifest = ModelPackage.Open(package.Directory).Manifest;
        TensorSpec[] inputs = [new("image", "uint8", [-1, 3, 224, 224])];
        TensorSpec[] outputs = [new("probs", "float32", [-1, 4])];

        var error = Assert.Single(SessionContract.Check(manifest, inputs, outputs));

        Assert.Equal("input.tensor", error.Path);
        Assert.Contains("uint8", error.Problem);
        Assert.Equal("float32", error.Expected);
    }
}
