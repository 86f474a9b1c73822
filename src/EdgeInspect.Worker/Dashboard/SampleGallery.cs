using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeInspect.Core.Records;

namespace EdgeInspect.Worker.Dashboard;

/// <summary>
/// The samples folder as the gallery sees it: the newest sidecars (<c>{stem}.json</c>, written by the sample writer
/// after its JPEG) with what the model said, what the inspector said and the part id; and each sample's files, served
/// from that folder and from nowhere else.
/// </summary>
/// <remarks>
/// A requested name is accepted only if it is a plain file name the sample writer could have written (letters,
/// digits, '.', '_', '-', ending .jpg or .json, no "..": no separator, no percent sign, nothing absolute), if it
/// resolves to a file directly inside the folder, and if that file is not a link. Anything else is "not found",
/// whatever the encoding the request used: the check is on the decoded name, after Kestrel has removed dot segments.
/// </remarks>
public sealed partial class SampleGallery(string folder, int limit)
{
    private readonly ConcurrentDictionary<string, (DateTime Written, JsonObject? Item)> _parsed = new(StringComparer.Ordinal);

    /// <summary>The folder, as a full path.</summary>
    public string Folder { get; } = Path.GetFullPath(folder);

    /// <summary>The newest samples of the kinds asked for ("disagreement", "uncertain", or "all"), newest first.</summary>
    public JsonObject List(string kinds)
    {
        var items = new JsonArray();
        var total = 0;
        if (Directory.Exists(Folder))
        {
            IEnumerable<FileInfo> sidecars;
            try
            {
                sidecars = new DirectoryInfo(Folder).EnumerateFiles("*.json").OrderByDescending(f => f.LastWriteTimeUtc).ThenByDescending(f => f.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                sidecars = [];
            }

            foreach (var file in sidecars)
            {
                if (items.Count >= limit)
                {
                    break;
                }

                if (Read(file) is not { } item || !Wanted(item, kinds))
                {
                    continue;
                }

                total++;
                items.Add(item.DeepClone());
            }

            if (_parsed.Count > 4 * limit)
            {
                // Samples deleted for the quota leave entries behind; the next listing parses what is still there.
                _parsed.Clear();
            }
        }

        return new JsonObject { ["folder"] = Folder, ["kinds"] = kinds, ["count"] = total, ["samples"] = items };
    }

    /// <summary>The full path of a sample file named by a request, or null when it is not one (see remarks).</summary>
    public string? Resolve(string? name)
    {
        if (name is null || !SampleName().IsMatch(name) || name.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        var path = Path.GetFullPath(Path.Combine(Folder, name));
        if (!string.Equals(Path.GetDirectoryName(path), Folder.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var info = new FileInfo(path);
            return info.Exists && info.LinkTarget is null && (info.Attributes & FileAttributes.ReparsePoint) == 0 ? path : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool Wanted(JsonObject item, string kinds) =>
        kinds == "all" || kinds.Split(',').Contains(item["kind"]!.GetValue<string>(), StringComparer.Ordinal);

    private JsonObject? Read(FileInfo sidecar)
    {
        if (_parsed.TryGetValue(sidecar.Name, out var known) && known.Written == sidecar.LastWriteTimeUtc)
        {
            return known.Item;
        }

        JsonObject? item = null;
        try
        {
            if (RecordJson.Deserialize(File.ReadAllText(sidecar.FullName)) is { } record && Resolve(Path.ChangeExtension(sidecar.Name, ".jpg")) is not null)
            {
                item = Item(Path.GetFileNameWithoutExtension(sidecar.Name), record);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or NotSupportedException)
        {
            item = null; // a sidecar being replaced, or one from another tool: it is left out, not shown broken
        }

        _parsed[sidecar.Name] = (sidecar.LastWriteTimeUtc, item);
        return item;
    }

    private static JsonObject Item(string stem, InspectionRecord r)
    {
        var model = r.ModelOutput;
        var kind = r.Outcome.Agreement == false ? "disagreement" : model?.Uncertain == true ? "uncertain" : "other";
        return new JsonObject
        {
            ["id"] = stem,
            ["image"] = $"/api/samples/{Uri.EscapeDataString(stem)}.jpg",
            ["record"] = $"/api/samples/{Uri.EscapeDataString(stem)}.json",
            ["kind"] = kind,
            ["partId"] = r.PartId,
            ["utc"] = r.Utc.ToString("O"),
            ["frameSeq"] = r.Frame.Seq,
            ["mode"] = r.Mode,
            ["modelName"] = $"{r.Model.Name} {r.Model.Version}",
            ["model"] = model is null ? null : new JsonObject
            {
                ["class"] = model.Class,
                ["score"] = Json.Number(model.Score, 4),
                ["verdict"] = model.Verdict.ToString().ToLowerInvariant(),
                ["uncertain"] = model.Uncertain,
            },
            ["human"] = r.Human is not { } h ? null : new JsonObject
            {
                ["verdict"] = h.Verdict?.ToString().ToLowerInvariant() ?? (h.TimedOut ? "timed out" : "none"),
                ["inspectorId"] = h.InspectorId,
                ["audit"] = h.Audit,
            },
            ["decision"] = r.Outcome.Decision.ToString().ToLowerInvariant(),
            ["decidedBy"] = r.Outcome.DecidedBy.ToString().ToLowerInvariant(),
            ["agreement"] = r.Outcome.Agreement,
        };
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}\\.(jpg|json)$", RegexOptions.CultureInvariant)]
    private static partial Regex SampleName();
}
