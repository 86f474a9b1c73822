using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Models;

/// <summary>
/// A model package was refused. <see cref="Errors"/> lists every problem found, each naming the field, the value
/// found and the value expected; nothing of the package stays loaded.
/// </summary>
public sealed class ModelPackageException(string package, IReadOnlyList<ConfigError> errors)
    : Exception(FormatMessage(package, errors))
{
    public string Package { get; } = package;

    public IReadOnlyList<ConfigError> Errors { get; } = errors;

    private static string FormatMessage(string package, IReadOnlyList<ConfigError> errors) =>
        $"Model package '{package}' refused:" + string.Concat(errors.Select(e => $"{Environment.NewLine}  - {e}"));
}
