namespace EdgeInspect.Core.Statistics;

/// <summary>Agreement figures of one confusion matrix, ready for the metrics topic. Nulls mean "no data yet".</summary>
public sealed record AgreementFigures(
    long Parts,
    long TruePositive,
    long FalsePositive,
    long FalseNegative,
    long TrueNegative,
    double? Agreement,
    Interval? AgreementInterval95,
    double? DefectPrecision,
    Interval? DefectPrecisionInterval95,
    double? DefectRecall,
    Interval? DefectRecallInterval95,
    double? Kappa)
{
    public static AgreementFigures From(ConfusionCounts c) => new(
        c.Total, c.TruePositive, c.FalsePositive, c.FalseNegative, c.TrueNegative,
        c.Agreement, c.AgreementInterval, c.DefectPrecision, c.DefectPrecisionInterval, c.DefectRecall, c.DefectRecallInterval, c.Kappa);
}

/// <summary>Cumulative (since the mode started) and sliding-window figures of one comparison.</summary>
public sealed record AgreementWindowed(AgreementFigures Cumulative, AgreementFigures Window);

/// <summary>Agreement of two inspectors on the parts both judged.</summary>
public sealed record InterInspectorAgreement(string InspectorA, string InspectorB, AgreementFigures Figures);

/// <summary>
/// The agreement part of the metrics snapshot. Model against human: overall, by inspector and by camera, each
/// cumulative since <see cref="ModeSince"/> and over the last <see cref="WindowParts"/> parts.
/// </summary>
public sealed record AgreementSnapshot(
    string Mode,
    DateTimeOffset ModeSince,
    int WindowParts,
    AgreementWindowed ModelVsHuman,
    IReadOnlyDictionary<string, AgreementWindowed> ByInspector,
    IReadOnlyDictionary<string, AgreementWindowed> ByCamera,
    IReadOnlyList<InterInspectorAgreement> InterInspector,
    long UnsureVerdicts,
    long UnlabeledParts);
