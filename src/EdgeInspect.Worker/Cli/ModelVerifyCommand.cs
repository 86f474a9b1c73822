using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Models;
using EdgeInspect.Native;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Worker.Cli;

/// <summary>`edgeinspect model verify [--json] &lt;package&gt;`: prints a package's contract, loads it exactly as the service would
/// (sha256, manifest, session contract, golden self-test) and exits 0, or 2 with every reason.</summary>
/// <remarks>
/// With <c>--json</c> it prints one JSON object instead (<see cref="WriteJson"/>): the form the station reads when it
/// checks a candidate in a child process before loading it (<see cref="Pipeline.Control.ModelCheckProcess"/>), so that
/// a model that crashes ONNX Runtime kills the child, not the station.
/// </remarks>
public static class ModelVerifyCommand
{
    public static Command Create()
    {
        var package = new Argument<string>("package") { Description = "The model package folder (model.json + model file)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (ok, model, errors) instead of the contract." };
        var verify = new Command("verify", "Check a model package and run its golden self-test.") { json };
        verify.Arguments.Add(package);
        verify.SetAction(result => result.GetValue(json)
            ? RunJson(result.GetValue(package)!, Console.Out, Console.Error)
            : Run(result.GetValue(package)!, Console.Out, Console.Error));

        var model = new Command("model", "Model packages.");
        model.Subcommands.Add(verify);
        return model;
    }

    public static int Run(string packageDirectory, TextWriter output, TextWriter error)
    {
        try
        {
            using var model = OnnxModel.Load(packageDirectory);
            PrintContract(packageDirectory, model.Manifest, output);
            output.WriteLine($"Session      inputs {string.Join("; ", model.SessionInputs)}; outputs {string.Join("; ", model.SessionOutputs)}");
            foreach (var sample in model.Manifest.GoldenSamples)
            {
                var frame = CvImage.Read(Path.Combine(packageDirectory, sample.Image));
                var prediction = model.Predict(frame);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Self-test    {sample.Image}: {prediction.ClassName} (defect score {prediction.DefectScore:0.0000}, {prediction.Decision}), outputs within ±{sample.Tolerance} of the expected"));
            }

            output.WriteLine($"Package OK: {model.Identity}");
            return ExitCodes.Ok;
        }
        catch (ModelPackageException e)
        {
            TryPrintContract(packageDirectory, output);
            error.WriteLine(e.Message);
            return ExitCodes.InvalidInput;
        }
        catch (NativeLibraryMissingException e)
        {
            error.WriteLine(e.Message);
            return ExitCodes.EnvironmentNotReady;
        }
        catch (Exception e) when (e is OnnxRuntimeException or OpenCvException or IOException)
        {
            error.WriteLine($"Model package '{packageDirectory}' could not be verified: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>
    /// The package checked as <see cref="Run"/> does, the outcome as one JSON object on <paramref name="output"/>:
    /// <c>{"ok":true,"model":{"name","version","sha256"}}</c>, or <c>{"ok":false,"exitCode":2,"errors":[{"path","problem","expected"}]}</c>.
    /// The exit codes are <see cref="Run"/>'s.
    /// </summary>
    public static int RunJson(string packageDirectory, TextWriter output, TextWriter error)
    {
        int code;
        ModelIdentity? identity = null;
        IReadOnlyList<ConfigError> errors;
        try
        {
            using var model = OnnxModel.Load(packageDirectory);
            identity = model.Identity;
            errors = [];
            code = ExitCodes.Ok;
        }
        catch (ModelPackageException e)
        {
            errors = e.Errors;
            code = ExitCodes.InvalidInput;
        }
        catch (NativeLibraryMissingException e)
        {
            errors = [new ConfigError("environment", e.Message, "the native libraries installed (scripts/bootstrap.sh)")];
            code = ExitCodes.EnvironmentNotReady;
        }
        catch (Exception e) when (e is OnnxRuntimeException or OpenCvException or IOException or UnauthorizedAccessException)
        {
            errors = [new ConfigError("model", $"could not be verified: {e.Message}", "a package ONNX Runtime and OpenCV can read")];
            code = ExitCodes.Failed;
        }

        WriteJson(output, code, identity, errors);
        if (code != ExitCodes.Ok)
        {
            error.WriteLine($"Model package '{packageDirectory}' refused ({errors.Count} problem(s))");
        }

        return code;
    }

    private static void WriteJson(TextWriter output, int code, ModelIdentity? identity, IReadOnlyList<ConfigError> errors)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteBoolean("ok", code == ExitCodes.Ok);
            json.WriteNumber("exitCode", code);
            if (identity is { } id)
            {
                json.WriteStartObject("model");
                json.WriteString("name", id.Name);
                json.WriteString("version", id.Version);
                json.WriteString("sha256", id.Sha256);
                json.WriteEndObject();
            }

            json.WriteStartArray("errors");
            foreach (var e in errors)
            {
                json.WriteStartObject();
                json.WriteString("path", e.Path);
                json.WriteString("problem", e.Problem);
                json.WriteString("expected", e.Expected);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        output.Flush();
    }

    /// <summary>A package refused after its manifest was read (hash, session, self-test) still shows what it claims to be.</summary>
    private static void TryPrintContract(string directory, TextWriter output)
    {
        try
        {
            var manifest = ModelManifestReader.Parse(File.ReadAllText(Path.Combine(directory, ModelPackage.ManifestFileName)), directory);
            PrintContract(directory, manifest, output, verified: false);
        }
        catch (Exception e) when (e is ModelPackageException or IOException or UnauthorizedAccessException)
        {
            // The manifest itself is what is wrong; the error output says so.
        }
    }

    private static void PrintContract(string directory, ModelManifest m, TextWriter output, bool verified = true)
    {
        var i = m.Input;
        var o = m.Output;
        output.WriteLine($"Package      {directory}");
        output.WriteLine($"Model        {m.Identity.Name} {m.Identity.Version}, {m.Model}, sha256 {m.Identity.Sha256}{(verified ? " (verified)" : "")}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Input        {i.Tensor} float32 [{string.Join(", ", i.Shape)}] {i.Layout} {i.PixelOrder.ToString().ToUpperInvariant()}; ROI {i.Roi}; resize {i.Resize}; scale {i.Scale}; mean [{string.Join(", ", i.Mean)}]; std [{string.Join(", ", i.Std)}]"));
        output.WriteLine($"Output       {o.Tensor}: {(o.Kind == OutputKind.ClassProbabilities ? "class_probs" : "defect_score")}; classes {string.Join(", ", o.ClassNames)}; ok class \"{o.OkClass}\"");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Decision     fail when defect score >= {m.Decision.DefectThreshold}; uncertain in [{m.Decision.UncertainLow}, {m.Decision.UncertainHigh}]"));
        output.WriteLine($"Baseline     {(m.Baseline is null ? "none (run `edgeinspect baseline`)" : "present")}");
    }
}
