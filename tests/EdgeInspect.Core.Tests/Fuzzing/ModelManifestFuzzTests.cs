using System.Text;
using CsCheck;
using EdgeInspect.Core.Models;
using EdgeInspect.Tests.Fuzzing;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Core.Tests.Fuzzing;

/// <summary>
/// Fuzzes <see cref="ModelManifestReader.Parse"/> with near-valid manifests (the two reference packages' model.json,
/// mutated field by field). Property: either a <see cref="ModelManifestException"/>-style refusal
/// (<see cref="ModelPackageException"/> with every error naming its field), or a manifest whose every value the
/// runtime can use as it is (finite as float32, sizes that fit an int, names that show something).
/// </summary>
[Trait("Category", "Fuzz")]
[Collection(FuzzRun.Collection)]
public sealed class ModelManifestFuzzTests
{
    private static readonly string[] Seeds =
    [
        File.ReadAllText(Path.Combine(RepoPaths.Models, "reference", "model.json")),
        File.ReadAllText(Path.Combine(RepoPaths.Models, "reference-score", "model.json")),
    ];

    /// <summary>The manifest's own vocabulary, so mutants change one field to another valid-looking value.</summary>
    private static readonly string[] ManifestValues =
    [
        "\"class_probs\"", "\"defect_score\"", "\"NCHW\"", "\"NHWC\"", "\"RGB\"", "\"BGR\"", "\"rgb\"", "\"bilinear\"", "\"float32\"", "\"float16\"",
        "\"ok\"", "\"scratch\"", "\"defect\"", "\"golden/ok-00001.jpg\"", "\"model.onnx\"", "\"../model.onnx\"", "\"golden/../../x.jpg\"", "\"\\\\server\\\\x\"",
        "[1,3,224,224]", "[1,3,0,224]", "[1,3,224]", "[2,3,224,224]", "[1,1,224,224]", "[1,3,65536,65536]", "[1,3,9223372036854775807,2]", "[1,3,2147483648,1]",
        "[0.485,0.456,0.406]", "[0,0,0]", "[1e-50,1,1]", "[1e39,1,1]", "[1,2]", "[\"NaN\",1,1]", "\"a887341c2847a2f300680b82361f8af7c1b995dea465c89299a31772bdea3cd1\"",
        "\"A887341C2847A2F300680B82361F8AF7C1B995DEA465C89299A31772BDEA3CD1\"", "\"a887341c\"", "0.0001", "1e-45", "1e-46", "0.2", "0.8", "0.5", "1", "0",
        "2147483647", "{\"x\":2147483647,\"y\":0,\"width\":1,\"height\":1}", "{\"x\":0,\"y\":0,\"width\":2147483647,\"height\":2147483647}", "[\"ok\",\"ok\"]", "[\"ok\",\" \"]",
        "[\"ok\",\"a\\u0000b\"]", "[]", "[0.964535,0.011542959,0.01200524,0.011916802]", "[0.5]", "[1e39]",
    ];

    [Fact(Timeout = 300_000)]
    public async Task A_Manifest_Is_Refused_With_Every_Field_Named_Or_Is_Usable_As_Read()
    {
        long accepted = 0, refused = 0;
        var total = await FuzzRun.CheckAsync(
            Gen.Frequency<string>(
                (12, JsonMutator.Mutants(Seeds, ManifestValues)),
                (1, Gen.Byte.Array[0, 300].Select(b => Encoding.UTF8.GetString(b))),
                (1, Gen.String[0, 200])),
            json =>
            {
                ModelManifest manifest;
                try
                {
                    manifest = ModelManifestReader.Parse(json, "fuzz");
                }
                catch (ModelPackageException e)
                {
                    Assert.NotEmpty(e.Errors);
                    foreach (var error in e.Errors)
                    {
                        Assert.False(string.IsNullOrWhiteSpace(error.Path), $"an error without a field: {error}");
                        Assert.False(string.IsNullOrWhiteSpace(error.Problem), $"an error without a problem: {error}");
                        Assert.False(string.IsNullOrWhiteSpace(error.Expected), $"an error without the expected form: {error}");
                        Assert.Contains(error.Path, e.Message, StringComparison.Ordinal);
                    }

                    Interlocked.Increment(ref refused);
                    return;
                }

                Usable(manifest);
                Interlocked.Increment(ref accepted);
            },
            print: JsonMutator.Quote);

        FuzzRun.Reached("accepted", accepted, total, 0.05);
        FuzzRun.Reached("refused", refused, total, 0.05);
    }

    /// <summary>What code after the reader assumes of an accepted manifest.</summary>
    internal static void Usable(ModelManifest m)
    {
        Assert.True(Names.IsValid(m.Identity.Name), $"name {JsonMutator.Quote(m.Identity.Name)}");
        Assert.True(Names.IsValid(m.Identity.Version), $"version {JsonMutator.Quote(m.Identity.Version)}");
        Assert.Matches("^[0-9a-f]{64}$", m.Identity.Sha256);
        Assert.True(Names.IsValid(m.Input.Tensor) && Names.IsValid(m.Output.Tensor), "tensor names");

        var input = m.Input;
        Assert.Equal(4, input.Shape.Length);
        Assert.All(input.Shape, d => Assert.InRange(d, 1, int.MaxValue));
        // The preprocessor allocates ElementCount floats: it must be the true product, not an overflow.
        Assert.Equal(input.Shape[1] * input.Shape[2] * input.Shape[3], (long)input.ElementCount);
        Assert.True(float.IsFinite(input.Scale) && input.Scale > 0, $"scale {input.Scale}");
        Assert.All(input.Mean, v => Assert.True(float.IsFinite(v), $"mean {v}"));
        Assert.All(input.Std, v => Assert.True(float.IsFinite(v) && v > 0, $"std {v} (the preprocessor divides by it)"));
        Assert.True((long)input.Roi.X + input.Roi.Width <= int.MaxValue && (long)input.Roi.Y + input.Roi.Height <= int.MaxValue, $"roi {input.Roi} overflows");

        var output = m.Output;
        Assert.NotEmpty(output.ClassNames);
        Assert.All(output.ClassNames, n => Assert.True(Names.IsValid(n), $"class name {JsonMutator.Quote(n)}"));
        Assert.Equal(output.ClassNames.Length, output.ClassNames.Distinct(StringComparer.Ordinal).Count());
        Assert.InRange(output.OkIndex, 0, output.ClassNames.Length - 1);

        Assert.True(m.Decision.UncertainLow <= m.Decision.DefectThreshold && m.Decision.DefectThreshold <= m.Decision.UncertainHigh);
        Assert.NotEmpty(m.GoldenSamples);
        foreach (var g in m.GoldenSamples)
        {
            Assert.Equal(output.ElementCount, g.ExpectedOutput.Length);
            Assert.All(g.ExpectedOutput, v => Assert.True(float.IsFinite(v), $"expected output {v}"));
            Assert.True(double.IsFinite(g.Tolerance) && g.Tolerance > 0);
            Assert.Contains(g.ExpectedClass, output.ClassNames);
            Assert.True(Names.IsValid(g.Image), $"image {JsonMutator.Quote(g.Image)}");
        }
    }
}
