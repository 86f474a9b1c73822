using System.CommandLine;
using System.Globalization;
using EdgeInspect.Core.Automation;
using EdgeInspect.Worker.Config;

namespace EdgeInspect.Worker.Cli;

/// <summary>`edgeinspect config validate &lt;file&gt;`: the startup check of a station file, without starting anything.</summary>
public static class ConfigValidateCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The station file (JSON), e.g. firmware-config/stations/demo.json." };
        var validate = new Command("validate", "Check a station config: every invalid field with its path and the expected form; exit code 2 if any.");
        validate.Arguments.Add(file);
        validate.SetAction(parse => Run(parse.GetValue(file)!, Console.Out, Console.Error));

        var config = new Command("config", "Station config tools.");
        config.Subcommands.Add(validate);
        return config;
    }

    public static int Run(string file, TextWriter output, TextWriter error)
    {
        var result = StationConfigLoader.CreateDefault().LoadFile(file);
        if (!result.IsValid)
        {
            WriteErrors(error, file, result.Errors);
            return ExitCodes.InvalidInput;
        }

        var o = result.Config.Options;
        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine($"valid: {file}");
        output.WriteLine($"  station    {o.Station.DeviceId} at {o.Station.Site}/{o.Station.Area}/{o.Station.Line}/{o.Station.Name}, config revision {o.Station.ConfigRevision}");
        output.WriteLine(string.Create(invariant,
            $"  automation {o.Automation.Mode.ToName()}; canary {o.Automation.CanaryFraction:P1}, live audit {o.Automation.AuditFraction:P1}, partial audit {o.Automation.PartialAuditFraction:P1}; verdict timeout {o.Automation.VerdictTimeout:c}; no decision: {o.Automation.NoDecisionAction.ToString().ToLowerInvariant()}"));
        output.WriteLine(string.Create(invariant,
            $"  promotion  at least {o.Promotion.MinParts} parts, agreement {o.Promotion.MinAgreement:0.###}, defect recall lower bound {o.Promotion.MinDefectRecallLowerBound:0.###}; auto-promote {(o.Promotion.AutoPromote ? "on" : "off")}; fall back to shadow {(o.Promotion.FallbackToShadow.Enabled ? "on " + string.Join(", ", o.Promotion.FallbackToShadow.Alerts) : "off")}"));
        output.WriteLine(string.Create(invariant,
            $"  samples    {o.Samples.Folder}, quota {o.Samples.QuotaBytes / (1024.0 * 1024):0.#} MiB, random {o.Samples.RandomFraction:P1}, disagreements {(o.Samples.SaveDisagreements ? "yes" : "no")}, uncertain {(o.Samples.SaveUncertain ? "yes" : "no")}"));
        var present = result.Config.Configuration.GetChildren().Select(s => s.Key);
        output.WriteLine($"  sections   {string.Join(", ", present)}");
        return ExitCodes.Ok;
    }

    /// <summary>Every problem of an invalid station file, one per line: path, problem, expected form.</summary>
    public static void WriteErrors(TextWriter error, string file, IReadOnlyList<EdgeInspect.Core.Configuration.ConfigError> errors)
    {
        error.WriteLine($"invalid: {file} ({Count(errors.Count, "problem")})");
        foreach (var problem in errors)
        {
            error.WriteLine($"  {problem}");
        }
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
