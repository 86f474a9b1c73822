using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Models;

/// <summary>
/// A model package folder opened and checked up to, but not including, handing the model to a runtime:
/// the manifest is valid, the model file lies inside the folder (after resolving links), is not empty, and its
/// sha256 matches the manifest. The model bytes are kept so the runtime parses exactly the bytes that were hashed.
/// </summary>
public sealed class ModelPackage
{
    /// <summary>The manifest's file name inside a package folder.</summary>
    public const string ManifestFileName = "model.json";

    /// <summary>Larger model files are refused before they are read (edge boxes have little memory).</summary>
    public const long MaxModelBytes = 512L * 1024 * 1024;

    private ModelPackage(string directory, ModelManifest manifest, byte[] modelBytes)
    {
        Directory = directory;
        Manifest = manifest;
        ModelBytes = modelBytes;
    }

    /// <summary>The package folder, fully resolved.</summary>
    public string Directory { get; }

    public ModelManifest Manifest { get; }

    /// <summary>The model file's bytes, already verified against <see cref="ModelIdentity.Sha256"/>.</summary>
    public byte[] ModelBytes { get; }

    /// <summary>Opens a package folder: manifest, path checks, sha256. Nothing is parsed by a runtime yet.</summary>
    /// <exception cref="ModelPackageException">Any check fails; the message names the field, the actual and the expected value.</exception>
    public static ModelPackage Open(string packageDirectory)
    {
        try
        {
            return OpenChecked(packageDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Refused(packageDirectory, "package", $"cannot be read: {e.Message}", "a readable package folder");
        }
    }

    private static ModelPackage OpenChecked(string packageDirectory)
    {
        var directory = RealPath(Path.GetFullPath(packageDirectory));
        if (!System.IO.Directory.Exists(directory))
        {
            throw Refused(packageDirectory, "package", $"is \"{packageDirectory}\", which is not a folder", "a folder holding model.json and the model file");
        }

        var manifestPath = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(manifestPath))
        {
            throw Refused(packageDirectory, ManifestFileName, "is missing", $"a manifest at {ManifestFileName} in the package folder");
        }

        var manifest = ModelManifestReader.Parse(File.ReadAllText(manifestPath), packageDirectory);
        var modelPath = ResolveInside(directory, manifest.Model, "model", packageDirectory);
        var length = new FileInfo(modelPath).Length;
        if (length == 0)
        {
            throw Refused(packageDirectory, "model", $"\"{manifest.Model}\" is 0 bytes", "an ONNX model file");
        }

        if (length > MaxModelBytes)
        {
            throw Refused(packageDirectory, "model", $"\"{manifest.Model}\" is {length} bytes", $"at most {MaxModelBytes} bytes");
        }

        // Hash before anything parses the file: a tampered or half-copied model never reaches ONNX Runtime.
        var bytes = File.ReadAllBytes(modelPath);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actual != manifest.Identity.Sha256)
        {
            throw Refused(packageDirectory, "sha256", $"is {manifest.Identity.Sha256} in model.json but {manifest.Model} hashes to {actual}",
                "the manifest's sha256 to equal the model file's (re-export or re-hash the package)");
        }

        return new ModelPackage(directory, manifest, bytes);
    }

    /// <summary>
    /// The full path of a file named by the manifest, after resolving symbolic links, refused unless it is a regular
    /// file inside the package folder.
    /// </summary>
    /// <param name="relative">The path as the manifest gives it.</param>
    /// <param name="field">The manifest field that names the file, for the error.</param>
    public string ResolveFile(string relative, string field) => ResolveInside(Directory, relative, field, Directory);

    /// <summary>Sets (or replaces) the manifest's <c>baseline</c> object in place, leaving every other field and the
    /// model's sha256 as they are (the hash covers the model file only).</summary>
    public static void WriteBaseline(string packageDirectory, JsonObject baseline)
    {
        var manifestPath = Path.Combine(packageDirectory, ManifestFileName);
        var root = JsonNode.Parse(File.ReadAllText(manifestPath))?.AsObject()
                   ?? throw new InvalidDataException($"{manifestPath} is not a JSON object");
        root["baseline"] = baseline.DeepClone();
        var temporary = manifestPath + ".tmp";
        File.WriteAllText(temporary, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temporary, manifestPath, overwrite: true);
    }

    private static string ResolveInside(string directory, string relative, string field, string package)
    {
        var candidate = Path.GetFullPath(Path.Combine(directory, relative));
        if (!File.Exists(candidate))
        {
            throw Refused(package, field, $"names \"{relative}\", which does not exist", "a file inside the package folder");
        }

        var resolved = RealPath(candidate);
        var root = directory.EndsWith(Path.DirectorySeparatorChar) ? directory : directory + Path.DirectorySeparatorChar;
        if (!resolved.StartsWith(root, StringComparison.Ordinal))
        {
            throw Refused(package, field, $"\"{relative}\" resolves to {resolved}, outside the package folder", "a regular file inside the package folder (no links out of it)");
        }

        return resolved;
    }

    /// <summary>The path with every symbolic link along it resolved, like realpath(3).</summary>
    private static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            FileSystemInfo info = System.IO.Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists && info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                next = target is null ? next : RealPath(target.FullName);
            }

            current = next;
        }

        return current;
    }

    private static ModelPackageException Refused(string package, string field, string problem, string expected) =>
        new(package, [new ConfigError(field, problem, expected)]);
}
