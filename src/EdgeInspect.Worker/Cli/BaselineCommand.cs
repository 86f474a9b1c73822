using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Native;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Worker.Cli;

/// <summary>
/// `edgeinspect baseline --images &lt;folder&gt; --model &lt;package&gt; [--out &lt;file&gt;] [--roi x,y,w,h]`: computes the drift
/// reference statistics from training-like frames and writes them into the package's model.json under "baseline".
/// </summary>
public static class BaselineCommand
{
    public const string ManifestFile = "model.json";

    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp"];

    public static Command Create()
    {
        var images = new Option<string>("--images") { Description = "Folder of training-like frames (or a data set folder with frames/ inside).", Required = true };
        var model = new Option<string>("--model") { Description = "Model package folder; its model.json gets a \"baseline\" property.", Required = true };
        var output = new Option<string?>("--out") { Description = "Also write the baseline alone to this JSON file." };
        var roi = new Option<string?>("--roi") { Description = "ROI as x,y,w,h (default: the ROI of the package's input contract)." };
        var command = new Command("baseline", "Compute drift reference statistics (input metrics and the model's scores) into a model package.")
        {
            images,
            model,
            output,
            roi,
        };
        command.SetAction(parse =>
        {
            var roiText = parse.GetValue(roi);
            if (roiText is not null && !TryParseRoi(roiText, out _))
            {
                Console.Error.WriteLine($"--roi '{roiText}' is not x,y,w,h with whole pixel numbers");
                return ExitCodes.InvalidInput;
            }

            if (!NativeCheck.Ready(Console.Error, NativeLibraryId.OnnxRuntime, NativeLibraryId.OpenCvShim))
            {
                return ExitCodes.EnvironmentNotReady;
            }

            // The package's own model scores the frames, so the baseline holds the score distribution and defect rate too.
            OnnxModel scorer;
            try
            {
                scorer = OnnxModel.Load(parse.GetValue(model)!);
            }
            catch (ModelPackageException e)
            {
                Console.Error.WriteLine($"--model: the package was refused: {e.Message}");
                return ExitCodes.InvalidInput;
            }

            using (scorer)
            {
                var contract = scorer.Manifest.Input.Roi;
                var region = roiText is null ? new RegionOfInterest(contract.X, contract.Y, contract.Width, contract.Height) : Parse(roiText);
                return Run(parse.GetValue(images)!, parse.GetValue(model)!, parse.GetValue(output), region, frame =>
                {
                    var prediction = scorer.Predict(frame);
                    return new BaselineScore(prediction.DefectScore, prediction.ClassIndex);
                }, scorer.Manifest.Output.ClassNames, Console.Out, Console.Error);
            }

            static RegionOfInterest Parse(string text)
            {
                TryParseRoi(text, out var parsed);
                return parsed;
            }
        });
        return command;
    }

    /// <param name="imagesFolder">Frames, directly or in a frames/ subfolder (the phone-v1 layout).</param>
    /// <param name="modelPackage">The package folder; model.json is created or merged.</param>
    /// <param name="outFile">Also write the baseline alone here; null for not.</param>
    /// <param name="roi">Where the input metrics are computed: the model contract's ROI.</param>
    /// <param name="output">Progress and the summary.</param>
    /// <param name="error">What went wrong.</param>
    /// <param name="scoreFrame">
    /// The seam for the model's score alone: given a decoded frame, its defect score (or null when inference gave
    /// none); null for input metrics only. The verb itself uses the overload that also takes the predicted class.
    /// </param>
    public static int Run(string imagesFolder, string modelPackage, string? outFile, RegionOfInterest roi, Func<Frame, double?>? scoreFrame, TextWriter output, TextWriter error) =>
        Run(imagesFolder, modelPackage, outFile, roi, scoreFrame is null ? null : frame => new BaselineScore(scoreFrame(frame), null), null, output, error);

    /// <param name="imagesFolder">Frames, directly or in a frames/ subfolder (the phone-v1 layout).</param>
    /// <param name="modelPackage">The package folder; model.json is created or merged.</param>
    /// <param name="outFile">Also write the baseline alone here; null for not.</param>
    /// <param name="roi">Where the input metrics are computed: the model contract's ROI.</param>
    /// <param name="scoreFrame">The model's defect score and predicted class for a decoded frame; null for input metrics only.</param>
    /// <param name="classNames">The model's class names in output order: with predicted classes, the baseline holds the
    /// reference class mix the class-share detector compares recent parts with.</param>
    /// <param name="output">Progress and the summary.</param>
    /// <param name="error">What went wrong.</param>
    public static int Run(string imagesFolder, string modelPackage, string? outFile, RegionOfInterest roi, Func<Frame, BaselineScore>? scoreFrame,
        IReadOnlyList<string>? classNames, TextWriter output, TextWriter error)
    {
        if (!Directory.Exists(modelPackage))
        {
            error.WriteLine($"Model package folder '{modelPackage}' does not exist");
            return ExitCodes.InvalidInput;
        }

        var files = FindImages(imagesFolder);
        if (files.Count == 0)
        {
            error.WriteLine($"No images (*.jpg, *.png, *.bmp) in '{imagesFolder}' or '{Path.Combine(imagesFolder, "frames")}'");
            return ExitCodes.InvalidInput;
        }

        var manifestPath = Path.Combine(modelPackage, ManifestFile);
        JsonObject manifest;
        try
        {
            manifest = File.Exists(manifestPath)
                ? JsonNode.Parse(File.ReadAllText(manifestPath)) as JsonObject ?? throw new JsonException("the manifest is not a JSON object")
                : [];
        }
        catch (JsonException e)
        {
            error.WriteLine($"{manifestPath} is not valid JSON: {e.Message}");
            return ExitCodes.InvalidInput;
        }

        if (!NativeCheck.Ready(error, NativeLibraryId.OpenCvShim))
        {
            return ExitCodes.EnvironmentNotReady;
        }

        var builder = new DriftBaselineBuilder(roi, classNames is { Count: >= 2 } ? classNames : null);
        var frame = Frame.CreateUnpooled(640, 480);
        foreach (var file in files)
        {
            try
            {
                frame = ReadInto(file, frame);
                var score = scoreFrame?.Invoke(frame);
                builder.Add(InputMetricsCalculator.Compute(frame, roi), score?.DefectScore, classIndex: classNames is { Count: >= 2 } ? score?.ClassIndex : null);
            }
            catch (Exception e) when (e is OpenCvException or ArgumentOutOfRangeException)
            {
                error.WriteLine($"{file}: {e.Message}");
                return ExitCodes.InvalidInput;
            }
        }

        var baseline = builder.Build();
        manifest[DriftBaseline.ManifestProperty] = baseline.ToJson();
        var indented = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(manifestPath, manifest.ToJsonString(indented) + "\n");
        if (outFile is not null)
        {
            File.WriteAllText(outFile, baseline.ToJsonString() + "\n");
        }

        var brightness = baseline.Inputs[InputMetric.Brightness];
        var sharpness = baseline.Inputs[InputMetric.Sharpness];
        var redGreen = baseline.Inputs[InputMetric.ChromaRedGreen];
        var blueGreen = baseline.Inputs[InputMetric.ChromaBlueGreen];
        var scores = baseline.Score is null
            ? "; no model scores (input metrics only)"
            : string.Create(CultureInfo.InvariantCulture, $"; defect rate {baseline.DefectRate:P1}");
        var classes = baseline.Classes is { } mix
            ? "; classes " + string.Join(", ", mix.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Name} {c.Share:P1}")))
            : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Baseline from {baseline.FrameCount} frames in ROI {roi}: brightness {brightness.Mean:F1} ± {brightness.Std:F1}, sharpness {sharpness.Mean:F1} ± {sharpness.Std:F1}, R/G {redGreen.Mean:F3} ± {redGreen.Std:F3}, B/G {blueGreen.Mean:F3} ± {blueGreen.Std:F3}{scores}{classes}"));
        output.WriteLine($"Written to {manifestPath} under \"{DriftBaseline.ManifestProperty}\"" + (outFile is null ? "" : $" and to {outFile}"));
        return ExitCodes.Ok;
    }

    internal static bool TryParseRoi(string? text, out RegionOfInterest roi)
    {
        roi = RegionOfInterest.ReferenceStation;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var numbers = new int[4];
        if (parts.Length != 4)
        {
            return false;
        }

        for (var i = 0; i < 4; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return false;
            }
        }

        roi = new RegionOfInterest(numbers[0], numbers[1], numbers[2], numbers[3]);
        return true;
    }

    private static List<string> FindImages(string folder)
    {
        foreach (var candidate in new[] { Path.Combine(folder, "frames"), folder })
        {
            if (!Directory.Exists(candidate))
            {
                continue;
            }

            var files = Directory.EnumerateFiles(candidate)
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (files.Count > 0)
            {
                return files;
            }
        }

        return [];
    }

    /// <summary>Decodes into the reused frame; a larger image gets a new frame sized for it.</summary>
    private static Frame ReadInto(string file, Frame frame)
    {
        try
        {
            CvImage.Read(file, frame);
            return frame;
        }
        catch (OpenCvException e) when (e.Status == CvStatus.BufferTooSmall)
        {
            return CvImage.Read(file);
        }
    }
}

/// <summary>What the package's model said about one baseline frame: its defect score and predicted class (either may be missing).</summary>
public readonly record struct BaselineScore(double? DefectScore, int? ClassIndex);
