using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Records;

namespace EdgeInspect.Worker.Pipeline.Control;

/// <summary>What a part is routed and recorded under: the automation policy and the record context (config revision).</summary>
public sealed record AutomationSettings(DecisionPolicy Policy, RecordContext Records);

/// <summary>
/// The station's current <see cref="AutomationSettings"/>, swapped whole between two parts. Station control writes it
/// (commands, reloads, quality actions); routing reads it once per part, so a part keeps the mode it was routed in
/// even if the mode changes before it is decided. Lock-free; safe from any thread.
/// </summary>
public sealed class AutomationState(AutomationOptions automation, RecordContext records)
{
    private AutomationSettings _current = new(new DecisionPolicy(automation), records);

    public AutomationSettings Current => Volatile.Read(ref _current);

    public AutomationMode Mode => Current.Policy.Mode;

    /// <summary>Applies <paramref name="change"/> atomically; returns the settings before and after.</summary>
    internal (AutomationSettings Before, AutomationSettings After) Change(Func<AutomationSettings, AutomationSettings> change)
    {
        while (true)
        {
            var before = Volatile.Read(ref _current);
            var after = change(before);
            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, after, before), before))
            {
                return (before, after);
            }
        }
    }
}
