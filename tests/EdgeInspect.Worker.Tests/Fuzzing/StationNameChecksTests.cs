using System.Text.Json.Nodes;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Configuration;

namespace EdgeInspect.Worker.Tests.Fuzzing;

/// <summary>
/// What fuzzing the station file found, and the name rule (<see cref="EdgeInspect.Core.Names"/>) at every place a
/// station file names something: each finding as the smallest edit of a valid file that showed it.
/// </summary>
public sealed class StationConfigFindingsTests : IDisposable
{
    private readonly TempDirectory _dir = new("edgeinspect-config-findings");

    private const string Valid = """
        {
          "station": { "deviceId": "dev-1", "site": "plant", "area": "a1", "line": "l1", "name": "st3", "configRevision": "r-1" },
          "promotion": { "fallbackToShadow": { "enabled": true, "alerts": [ "cam0.brightness*" ] } },
          "capture": { "cameraId": "cam0", "source": "folder:frames", "endOfStream": "stop" },
          "model": { "package": "models/reference", "modelsFolder": "models" },
          "link": { "host": "127.0.0.1", "port": 1883, "prefix": "edgeinspect", "outboxPath": "var/outbox.db" },
          "inspector": {
            "backend": "scripted", "chip": "gpiochip0", "keyboardPosition": "left",
            "positions": [ { "name": "left", "inspectorId": "ana", "pass": { "chip": "gpiochip1", "line": 5 } } ],
            "scripted": { "position": "left", "inspectorId": "bot" }
          }
        }
        """;

    private StationConfigResult Load(Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(Valid)!.AsObject();
        edit(json);
        var file = _dir.File("station.json");
        File.WriteAllText(file, json.ToJsonString());
        return StationConfigLoader.CreateDefault().LoadFile(file);
    }

    [Fact]
    public void The_Base_File_Is_Valid()
    {
        var result = Load(_ => { });
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
    }

    [Theory]
    [InlineData("keyboardPosition")]
    [InlineData("chip")]
    public void An_Empty_Object_Where_A_String_Belongs_Is_An_Error_Not_A_Crash(string field)
    {
        // {} bound the field to null; Validate then threw a NullReferenceException out of LoadFile.
        var result = Load(j => j["inspector"]![field] = new JsonObject());

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == $"inspector:{field}" && e.Problem == "is null or an empty object or list");
    }

    [Fact]
    public void A_Null_Scripted_Position_Is_An_Error_Not_A_Null_Later()
    {
        var result = Load(j => j["inspector"]!["scripted"]!["position"] = null);

        Assert.Contains(result.Errors, e => e.Path == "inspector:scripted:position");
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void A_Blank_Top_Level_Key_Is_Named_In_Its_Error(string key)
    {
        var result = Load(j => j[key] = 1);

        var error = Assert.Single(result.Errors);
        Assert.Equal($"\"{key}\" (a blank key)", error.Path);
        Assert.Equal("is not a known section", error.Problem);
    }

    public static TheoryData<string, string, string> BlankNames => new()
    {
        { "station", "configRevision", "\uFEFF" },
        { "capture", "cameraId", " " },
        { "capture", "cameraId", "cam\u0000" },
        { "inspector", "chip", "\u200b" },
        { "inspector:positions:0", "inspectorId", "a\u0000" },
        { "inspector:positions:0", "inspectorId", "\uFEFF" },
        { "inspector:positions:0", "name", "\u200b" },
        { "inspector:positions:0:pass", "chip", "\u200b" },
        { "inspector:scripted", "inspectorId", "\u200b" },
        { "inspector:scripted", "position", " " },
        { "link", "prefix", " " },
        { "link", "site", "plant\t1" },
    };

    [Theory]
    [MemberData(nameof(BlankNames))]
    public void A_Name_That_Shows_Nothing_Is_Refused_Wherever_The_File_Names_Something(string section, string field, string value)
    {
        var result = Load(j =>
        {
            JsonNode node = j;
            foreach (var part in section.Split(':'))
            {
                node = int.TryParse(part, out var index) ? node[index]! : node[part]!;
            }

            node[field] = value;
        });

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path.Equals($"{section}:{field}", StringComparison.OrdinalIgnoreCase)
            && (e.Problem.Contains("blank", StringComparison.Ordinal) || e.Problem.Contains("control character", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_Blank_Fallback_Alert_Name_Is_Refused()
    {
        var result = Load(j => j["promotion"]!["fallbackToShadow"]!["alerts"] = new JsonArray("\u200b"));

        Assert.Contains(result.Errors, e => e.Path == "promotion:fallbackToShadow:alerts:0" && e.Problem.Contains("blank", StringComparison.Ordinal));
    }

    [Fact]
    public void An_Empty_Inspector_Id_Still_Means_Unknown()
    {
        var result = Load(j => j["inspector"]!["positions"]![0]!["inspectorId"] = "");
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
    }

    [Theory]
    [InlineData("\u200b")]
    [InlineData(" ")]
    [InlineData("ref\u0000")]
    public void A_Candidate_Package_Name_That_Is_No_Name_Is_Refused(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => new ModelSection().CandidateFolder(name));
        Assert.Contains("is not a package name", e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>What fuzzing the station's verbs found, and the name rule at the command entry points, on a real station.</summary>
[Trait("Category", "Integration")]
public sealed class StationCommandFindingsTests(CommandStation station) : IClassFixture<CommandStation>
{
    [Theory]
    [InlineData("", "argument 'inspectorId' is empty")]
    [InlineData(" ", "argument 'inspectorId' is blank")]
    [InlineData("\\u200b", "argument 'inspectorId' is blank")]
    public void Set_Inspector_Refuses_A_Blank_Id_And_Keeps_Who_Was_There(string id, string reason)
    {
        var before = station.Station.Setup.Inspector.InspectorAt("right");

        var response = station.Send("set-inspector", $$"""{"position":"right","inspectorId":"{{id}}"}""");

        Assert.False(response.Accepted);
        Assert.StartsWith(reason, response.Reason, StringComparison.Ordinal);
        Assert.Equal(before, station.Station.Setup.Inspector.InspectorAt("right"));
    }

    [Fact]
    public void Set_Inspector_Accepts_A_Real_Id()
    {
        var response = station.Send("set-inspector", """{"position":"left","inspectorId":"badge-0042"}""");

        Assert.True(response.Accepted, response.Reason);
        Assert.Equal("badge-0042 is at left", response.Reason);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0.0")]
    public void A_Zero_Threshold_Is_Rejected_With_The_Range_Not_A_Handler_Failure(string threshold)
    {
        var response = station.Send("set-threshold", $$"""{"detector":"Input","threshold":{{threshold}}}""");

        Assert.False(response.Accepted);
        Assert.Contains("expected a number above 0", response.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("package", "load-candidate", """{"package":" "}""")]
    [InlineData("by", "promote", """{"by":""}""")]
    [InlineData("detector", "set-threshold", """{"detector":"\u200b","threshold":1}""")]
    [InlineData("position", "set-inspector", """{"position":"","inspectorId":"ana"}""")]
    public void Every_Verb_Refuses_A_Blank_Name_In_Its_Args(string arg, string verb, string args)
    {
        var response = station.Send(verb, args);

        Assert.False(response.Accepted);
        Assert.StartsWith($"argument '{arg}' is", response.Reason, StringComparison.Ordinal);
    }
}
