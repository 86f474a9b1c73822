using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Onnx;

/// <summary>A writable copy of a shipped package in a temp folder, so a test can break one thing in it.</summary>
internal sealed class PackageCopy : IDisposable
{
    private readonly TempDirectory _temp = new("edgeinspect-package");

    public PackageCopy(string shipped = "reference")
    {
        Directory = Path.Combine(_temp.Path, shipped);
        var source = Path.Combine(RepoPaths.Models, shipped);
        foreach (var file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(Directory, Path.GetRelativePath(source, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public string Directory { get; }

    /// <summary>The folder that holds the package folder (outside the package).</summary>
    public string Outside => _temp.Path;

    public string ModelPath => Path.Combine(Directory, "model.onnx");

    public JsonObject Manifest => JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, "model.json")))!.AsObject();

    public void EditManifest(Action<JsonObject> edit)
    {
        var manifest = Manifest;
        edit(manifest);
        File.WriteAllText(Path.Combine(Directory, "model.json"), manifest.ToJsonString());
    }

    /// <summary>Replaces the model file and re-hashes it into the manifest, so the bytes reach ONNX Runtime.</summary>
    public void ReplaceModel(byte[] bytes)
    {
        File.WriteAllBytes(ModelPath, bytes);
        EditManifest(m => m["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    public void Dispose() => _temp.Dispose();
}
