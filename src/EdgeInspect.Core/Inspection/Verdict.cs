namespace EdgeInspect.Core.Inspection;

/// <summary>A pass/fail judgement on one part, by a human inspector or by the model.</summary>
public enum Verdict
{
    Pass,
    Fail,

    /// <summary>The inspector pressed "unsure": the part is labelled but carries no pass/fail ground truth.</summary>
    Unsure,
}

/// <summary>One button press by an inspector, after debouncing.</summary>
/// <param name="Position">The inspector position (station config), e.g. "left".</param>
/// <param name="InspectorId">Who was at the position when the button was pressed; empty if unknown.</param>
/// <param name="Verdict">What was pressed.</param>
/// <param name="MonotonicTimestamp">When, in <see cref="TimeProvider.GetTimestamp"/> units.</param>
public readonly record struct InspectorPress(string Position, string InspectorId, Verdict Verdict, long MonotonicTimestamp);
