using EdgeInspect.Core;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Models;

namespace EdgeInspect.Worker.Configuration;

/// <summary>The "model" section: which package is active at start, where candidates may be loaded from, and how ORT runs.</summary>
public sealed class ModelSection : IConfigSection
{
    /// <summary>The package folder (model.onnx + model.json) that is active at start.</summary>
    public string Package { get; set; } = "models/reference";

    /// <summary>cmd/load-candidate loads packages by name from this folder only; a name may not leave it.</summary>
    public string ModelsFolder { get; set; } = "models";

    public InferenceOptions Inference { get; set; } = new();

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        if (string.IsNullOrWhiteSpace(Package))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "package"), "is missing", "the folder of a model package, such as \"models/reference\""));
        }

        if (string.IsNullOrWhiteSpace(ModelsFolder))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "modelsFolder"), "is missing", "the folder holding model packages, such as \"models\""));
        }

        Inference.Validate(ConfigPath.Join(path, "inference"), errors);
    }

    /// <summary>The package folder for a candidate name, refusing names that would leave <see cref="ModelsFolder"/>.</summary>
    public string CandidateFolder(string name)
    {
        if (Names.Problem(name) is not null || name.Contains('/') || name.Contains('\\') || name is "." or "..")
        {
            throw new ArgumentException($"'{name}' is not a package name: give the name of a folder inside {ModelsFolder}, such as \"reference-score\"");
        }

        return Path.Combine(ModelsFolder, name);
    }
}
