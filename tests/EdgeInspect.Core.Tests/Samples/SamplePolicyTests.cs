using EdgeInspect.Core.Records;
using EdgeInspect.Core.Samples;

namespace EdgeInspect.Core.Tests.Samples;

public sealed class SamplePolicyTests
{
    [Fact]
    public void Disagreements_And_Uncertain_Predictions_Are_Saved_When_Configured()
    {
        var policy = new SamplePolicy(saveDisagreements: true, saveUncertain: true, randomFraction: 0);

        Assert.Equal(SampleReasons.Disagreement | SampleReasons.Uncertain, policy.Select("p-1", agreement: false, uncertain: true));
        Assert.Equal(SampleReasons.None, policy.Select("p-1", agreement: true, uncertain: false));
        Assert.Equal(SampleReasons.None, policy.Select("p-1", agreement: null, uncertain: false));
        Assert.Equal(SampleReasons.None, new SamplePolicy(false, false, 0).Select("p-1", false, true));
    }

    [Fact]
    public void The_Random_Fraction_Is_Close_To_The_Configured_One_And_Reproducible()
    {
        var policy = new SamplePolicy(false, false, randomFraction: 0.05);
        var ids = Enumerable.Range(1, 4000).Select(i => PartIds.Format("station3", 1795337400123, i)).ToList();

        var chosen = ids.Where(id => policy.Select(id, null, false) == SampleReasons.Random).ToList();

        Assert.InRange(chosen.Count / 4000.0, 0.04, 0.06);
        Assert.Equal(chosen, ids.Where(id => new SamplePolicy(true, true, 0.05).Select(id, true, false).HasFlag(SampleReasons.Random)));
    }

    [Fact]
    public void A_Frame_Is_Kept_Exactly_For_The_Parts_The_Final_Selection_Could_Pick()
    {
        var policy = new SamplePolicy(saveDisagreements: true, saveUncertain: true, randomFraction: 0.05);
        var ids = Enumerable.Range(1, 2000).Select(i => PartIds.Format("station3", 1795337400123, i)).ToList();

        foreach (var id in ids)
        {
            foreach (var uncertain in new[] { false, true })
            {
                // Whatever the verdict turns out to be, a part selected in the end had its frame kept.
                foreach (bool? agreement in new bool?[] { null, true, false })
                {
                    if (policy.Select(id, agreement, uncertain) != SampleReasons.None)
                    {
                        Assert.True(policy.MayKeep(id, uncertain, verdictPending: agreement is not null), $"{id} selected without its frame");
                    }
                }
            }
        }

        // And nothing is kept for nothing: no verdict coming, certain, not in the random fraction.
        var kept = ids.Count(id => policy.MayKeep(id, uncertain: false, verdictPending: false));
        Assert.Equal(ids.Count(id => policy.Select(id, null, false) == SampleReasons.Random), kept);
    }
}
