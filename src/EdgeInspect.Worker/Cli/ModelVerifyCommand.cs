using System.CommandLine;
using System.Globalization;
using EdgeInspect.Core.Models;
using EdgeInspect.Native;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Worker.Cli;

/// <summary>`edgeinspect model verify &lt;package&gt;`: prints a package's contract, loads it exactly as the service would
/// (sha256, manifest, session contract, golden self-test) and exits 0, or 2 with every reason.</summary>
public static class ModelVerifyCommand
{
    public static Command Create()
    {
        var package = new Argument<string>("package") { Description = "The model package folder (model.json + model file)." };
        var verify = new Command("verify", "Check a model package and run its golden self-test.");
        verify.Arguments.Add(package);
        verify.SetAction(result => Run(result.GetValue(package)!, Console.Out, Console.Error));

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
