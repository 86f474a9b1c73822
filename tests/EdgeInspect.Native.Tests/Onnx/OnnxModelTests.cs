using System.Globalization;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Models;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;
using Xunit.Abstractions;

namespace EdgeInspect.Native.Tests.Onnx;

[Trait("Category", "Integration")]
public sealed class OnnxModelTests(ITestOutputHelper output)
{
    private static string Shipped(string name) => Path.Combine(RepoPaths.Models, name);

    private static IEnumerable<(Frame Frame, string ClassName)> Holdout()
    {
        var set = RepoPaths.PhoneSet("holdout");
        foreach (var line in File.ReadLines(Path.Combine(set, "labels.csv")).Skip(1))
        {
            var columns = line.Split(',');
            yield return (CvImage.Read(Path.Combine(set, columns[0])), columns[2]);
        }
    }

    [Fact]
    public void The_Reference_Model_Classifies_The_Holdout_Subset_With_At_Least_97_Percent_Accuracy()
    {
        using var model = OnnxModel.Load(Shipped("reference"));
        int total = 0, correct = 0;
        foreach (var (frame, className) in Holdout())
        {
            total++;
            correct += model.Predict(frame).ClassName == className ? 1 : 0;
        }

        Assert.Equal(150, total);
        var accuracy = (double)correct / total;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"holdout subset: {correct}/{total} correct ({accuracy:P1})"));
        Assert.True(accuracy >= 0.97, string.Create(CultureInfo.InvariantCulture, $"accuracy {accuracy:P1} ({correct}/{total})"));
    }

    [Fact]
    public void The_Score_Package_Agrees_With_One_Minus_P_Ok_Of_The_Class_Package()
    {
        using var classes = OnnxModel.Load(Shipped("reference"));
        using var score = OnnxModel.Load(Shipped("reference-score"));
        foreach (var (frame, className) in Holdout().Take(20))
        {
            var p = classes.Predict(frame);
            var s = score.Predict(frame);

            Assert.Equal(p.DefectScore, s.DefectScore, 1e-5f);
            Assert.Equal(p.Decision, s.Decision);
            Assert.Equal(className == "ok" ? Verdict.Pass : Verdict.Fail, s.Decision);
            Assert.Equal(className == "ok" ? "ok" : "defect", s.ClassName);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Steady_State_Predict_Allocates_No_Managed_Memory(int threads)
    {
        using var model = OnnxModel.Load(Shipped("reference"), new InferenceOptions { IntraOpThreads = threads });
        var frame = Holdout().First().Frame;
        for (var i = 0; i < 20; i++)
        {
            model.Predict(frame);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var failures = 0;
        for (var i = 0; i < 1000; i++)
        {
            failures += model.Predict(frame).Decision == Verdict.Fail ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, failures);
    }

    [Fact]
    public void A_Prediction_Carries_Probabilities_Class_Score_Band_And_Latencies()
    {
        using var model = OnnxModel.Load(Shipped("reference"));
        var prediction = model.Predict(Holdout().First().Frame);

        Assert.Equal(4, prediction.Outputs.Length);
        Assert.Equal(1f, prediction.Outputs.ToArray().Sum(), 1e-4f);
        Assert.Equal(1f - prediction.Outputs.Span[0], prediction.DefectScore, 1e-6f);
        Assert.Equal("ok", prediction.ClassName);
        Assert.False(prediction.Uncertain);
        Assert.True(prediction.PreprocessTime > TimeSpan.Zero && prediction.InferenceTime > TimeSpan.Zero);
    }

    [Fact]
    public void Two_Packages_Load_Side_By_Side_And_A_Failed_Load_Leaves_The_Active_One_Running()
    {
        using var slots = new ModelSlots<OnnxModel>();
        slots.SetActive(OnnxModel.Load(Shipped("reference")));
        slots.LoadCandidate(OnnxModel.Load(Shipped("reference-score")));
        using var broken = new PackageCopy();
        broken.ReplaceModel(new byte[] { 1, 2, 3 });

        Assert.Throws<ModelPackageException>(() => slots.LoadCandidate(OnnxModel.Load(broken.Directory)));

        var frame = Holdout().First().Frame;
        using (var active = slots.AcquireActive())
        {
            Assert.Equal("ok", active.Model!.Predict(frame).ClassName);
        }

        Assert.True(slots.Promote());
        using var promoted = slots.AcquireActive();
        Assert.Equal("phone-cover-defect-score", promoted.Model!.Identity.Name);
        Assert.Equal("phone-cover-defects", slots.Previous!.Identity.Name);
    }
}
