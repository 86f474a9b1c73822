using EdgeInspect.Core.Automation;

namespace EdgeInspect.Core.Samples;

/// <summary>Why a part was saved as a sample (several can apply).</summary>
[Flags]
public enum SampleReasons
{
    None = 0,
    Disagreement = 1,
    Uncertain = 2,
    Random = 4,
}

/// <summary>
/// Which parts are worth saving for retraining: disagreements and uncertain predictions teach the model most; a
/// random fraction keeps the set representative. Random selection hashes the part id (<see cref="PartSelection"/>),
/// so it is reproducible and independent of canary and audit selection. Immutable and thread-safe.
/// </summary>
public sealed class SamplePolicy(bool saveDisagreements, bool saveUncertain, double randomFraction)
{
    public SamplePolicy(SampleOptions options)
        : this(options.SaveDisagreements, options.SaveUncertain, options.RandomFraction)
    {
    }

    /// <param name="partId">The part id.</param>
    /// <param name="agreement">Model vs human agreement; null without a human verdict.</param>
    /// <param name="uncertain">The model's score fell in the uncertainty band.</param>
    public SampleReasons Select(string partId, bool? agreement, bool uncertain)
    {
        var reasons = SampleReasons.None;
        if (saveDisagreements && agreement == false)
        {
            reasons |= SampleReasons.Disagreement;
        }

        if (saveUncertain && uncertain)
        {
            reasons |= SampleReasons.Uncertain;
        }

        if (PartSelection.IsSelected(partId, PartSelection.SampleSalt, randomFraction))
        {
            reasons |= SampleReasons.Random;
        }

        return reasons;
    }

    /// <summary>
    /// Whether <see cref="Select"/> may pick this part once everything about it is known, so its frame is worth keeping
    /// until then. Not a selection: the pipeline selects once, when the part's last verdict is in.
    /// </summary>
    /// <param name="partId">The part id.</param>
    /// <param name="uncertain">The model's score fell in the uncertainty band.</param>
    /// <param name="verdictPending">An inspector was asked, so a disagreement may still show.</param>
    public bool MayKeep(string partId, bool uncertain, bool verdictPending) =>
        (saveDisagreements && verdictPending) || (saveUncertain && uncertain) || PartSelection.IsSelected(partId, PartSelection.SampleSalt, randomFraction);
}
