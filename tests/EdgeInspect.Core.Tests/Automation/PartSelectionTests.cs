using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Records;

namespace EdgeInspect.Core.Tests.Automation;

public sealed class PartSelectionTests
{
    [Theory]
    [InlineData(PartSelection.CanarySalt, 0.10)]
    [InlineData(PartSelection.CanarySalt, 0.37)]
    [InlineData(PartSelection.AuditSalt, 0.02)]
    [InlineData(PartSelection.SampleSalt, 0.50)]
    public void Any_Run_Of_1000_Consecutive_Parts_Holds_The_Fraction_Within_Half_A_Point(string salt, double fraction)
    {
        foreach (var (boot, firstSeq) in new[] { (1795337400123L, 1L), (1795337460456L, 12_345L), (1700000000000L, 9_000_000L) })
        {
            var selected = 0;
            for (var seq = firstSeq; seq < firstSeq + 1000; seq++)
            {
                selected += PartSelection.IsSelected(PartIds.Format("line1-station3", boot, seq), salt, fraction) ? 1 : 0;
            }

            Assert.InRange(selected / 1000.0, fraction - 0.005, fraction + 0.005);
        }
    }

    [Fact]
    public void Ids_Without_A_Sequence_Number_Fall_Back_To_A_Plain_Hash()
    {
        var ids = Enumerable.Range(0, 4000).Select(i => $"part-{i:x}z").ToList();

        var selected = ids.Count(id => PartSelection.IsSelected(id, PartSelection.CanarySalt, 0.3));

        Assert.InRange(selected / 4000.0, 0.26, 0.34);
        Assert.All(ids.Take(50), id => Assert.Equal(PartSelection.Position(id, "x"), PartSelection.Position(id, "x")));
    }

    [Fact]
    public void Positions_Differ_Between_Boots_And_Between_Salts()
    {
        var a = PartSelection.Position("s-1795337400123-7", PartSelection.CanarySalt);

        Assert.NotEqual(a, PartSelection.Position("s-1795337460456-7", PartSelection.CanarySalt));
        Assert.NotEqual(a, PartSelection.Position("s-1795337400123-7", PartSelection.AuditSalt));
        Assert.InRange(a, 0.0, 1.0 - double.Epsilon);
    }

    [Fact]
    public void Zero_Selects_Nothing_And_One_Selects_Everything()
    {
        Assert.False(PartSelection.IsSelected("s-1-1", PartSelection.CanarySalt, 0));
        Assert.True(PartSelection.IsSelected("s-1-1", PartSelection.CanarySalt, 1));
    }
}
