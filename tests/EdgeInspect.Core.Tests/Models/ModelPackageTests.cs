using System.Text.Json.Nodes;
using EdgeInspect.Core.Models;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Core.Tests.Models;

public sealed class ModelPackageTests
{
    private static string CopyReference(TempDirectory temp)
    {
        var target = Path.Combine(temp.Path, "pkg");
        var source = Path.Combine(RepoPaths.Models, "reference");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        return target;
    }

    [Fact]
    public void Opening_The_Reference_Package_Verifies_The_Hash_And_Keeps_The_Hashed_Bytes()
    {
        var package = ModelPackage.Open(Path.Combine(RepoPaths.Models, "reference"));

        Assert.Equal(1882820, package.ModelBytes.Length);
        Assert.EndsWith(Path.Combine("golden", "ok-00001.jpg"), package.ResolveFile("golden/ok-00001.jpg", "golden_samples[0].image"));
    }

    [Fact]
    public void A_Missing_Manifest_Is_Refused()
    {
        using var temp = new TempDirectory();

        var e = Assert.Throws<ModelPackageException>(() => ModelPackage.Open(temp.Path));

        Assert.Equal("model.json", Assert.Single(e.Errors).Path);
    }

    [Fact]
    public void A_Missing_Model_File_Is_Refused_Naming_It()
    {
        using var temp = new TempDirectory();
        var dir = CopyReference(temp);
        File.Delete(Path.Combine(dir, "model.onnx"));

        var error = Assert.Single(Assert.Throws<ModelPackageException>(() => ModelPackage.Open(dir)).Errors);

        Assert.Equal(("model", "names \"model.onnx\", which does not exist"), (error.Path, error.Problem));
    }

    [Fact]
    public void A_Symlink_Inside_The_Package_That_Stays_Inside_Is_Accepted()
    {
        using var temp = new TempDirectory();
        var dir = CopyReference(temp);
        File.Move(Path.Combine(dir, "model.onnx"), Path.Combine(dir, "real.onnx"));
        File.CreateSymbolicLink(Path.Combine(dir, "model.onnx"), "real.onnx");

        Assert.Equal(1882820, ModelPackage.Open(dir).ModelBytes.Length);
    }

    [Fact]
    public void A_Package_Folder_Reached_Through_A_Symlink_Is_Checked_Against_Its_Real_Location()
    {
        using var temp = new TempDirectory();
        var dir = CopyReference(temp);
        var link = Path.Combine(temp.Path, "link");
        Directory.CreateSymbolicLink(link, dir);

        Assert.Equal(1882820, ModelPackage.Open(link).ModelBytes.Length);
    }

    [Fact]
    public void Writing_A_Baseline_Keeps_Every_Other_Field_And_The_Hash_Valid()
    {
        using var temp = new TempDirectory();
        var dir = CopyReference(temp);
        var before = ModelPackage.Open(dir).Manifest;

        ModelPackage.WriteBaseline(dir, new JsonObject { ["frames"] = 150 });

        var after = ModelPackage.Open(dir).Manifest;
        Assert.Equal(150, after.Baseline!["frames"]!.GetValue<int>());
        Assert.Equal(before.Identity, after.Identity);
        Assert.Equal(before.Input.Roi, after.Input.Roi);
        Assert.Equal(before.Input.Shape.ToArray(), after.Input.Shape.ToArray());
        Assert.Equal(before.GoldenSamples.Length, after.GoldenSamples.Length);
    }
}
