using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Core.Models;

/// <summary>
/// What the model said about one frame. A small value: creating one allocates nothing.
/// </summary>
/// <remarks>
/// <see cref="Outputs"/> is a view of the model's reused output buffer: it is valid until the next
/// <c>Predict</c> on the same model. Copy it (<c>Outputs.ToArray()</c>) to keep it longer.
/// </remarks>
public readonly struct Prediction
{
    public Prediction(int classIndex, string className, float defectScore, Verdict decision, bool uncertain,
        ReadOnlyMemory<float> outputs, TimeSpan preprocessTime, TimeSpan inferenceTime)
    {
        ClassIndex = classIndex;
        ClassName = className;
        DefectScore = defectScore;
        Decision = decision;
        Uncertain = uncertain;
        Outputs = outputs;
        PreprocessTime = preprocessTime;
        InferenceTime = inferenceTime;
    }

    /// <summary>Index into the manifest's class names: the most probable class, or for a score model 0 (ok) / 1 (defect) by threshold.</summary>
    public int ClassIndex { get; }

    public string ClassName { get; }

    /// <summary>The probability of any defect: 1 − p(ok) for class probabilities, the output itself for a score model.</summary>
    public float DefectScore { get; }

    /// <summary><see cref="Verdict.Fail"/> when <see cref="DefectScore"/> is at or above the manifest's defect threshold.</summary>
    public Verdict Decision { get; }

    /// <summary>The score lies inside the manifest's uncertainty band.</summary>
    public bool Uncertain { get; }

    /// <summary>The raw output tensor (class probabilities or the one score); valid until the next Predict.</summary>
    public ReadOnlyMemory<float> Outputs { get; }

    /// <summary>Frame to input tensor (ROI, resize, normalise).</summary>
    public TimeSpan PreprocessTime { get; }

    /// <summary>The runtime's Run call.</summary>
    public TimeSpan InferenceTime { get; }
}

/// <summary>Turns a model's raw output into a class, a defect score and a decision, per the manifest.</summary>
public static class PredictionRules
{
    public static (int ClassIndex, float DefectScore, Verdict Decision, bool Uncertain) Decide(
        ReadOnlySpan<float> outputs, OutputContract output, DecisionRules rules)
    {
        float score;
        int classIndex;
        if (output.Kind == OutputKind.ClassProbabilities)
        {
            classIndex = 0;
            for (var i = 1; i < outputs.Length; i++)
            {
                if (outputs[i] > outputs[classIndex])
                {
                    classIndex = i;
                }
            }

            score = 1f - outputs[output.OkIndex];
        }
        else
        {
            score = outputs[0];
            classIndex = score >= rules.DefectThreshold ? 1 - output.OkIndex : output.OkIndex;
        }

        var decision = score >= rules.DefectThreshold ? Verdict.Fail : Verdict.Pass;
        var uncertain = score >= rules.UncertainLow && score <= rules.UncertainHigh;
        return (classIndex, score, decision, uncertain);
    }
}
