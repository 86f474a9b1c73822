namespace EdgeInspect.Core.Inspection;

/// <summary>The station cannot start as configured; the message says why and what to change.</summary>
public sealed class InspectorStartupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Decides whether the station may start with the inspector backend it got. The pipeline says whether its mode needs
/// human input (shadow, assist, partial, canary do); this check knows nothing else about modes.
/// </summary>
public static class InspectorStartupCheck
{
    /// <summary>
    /// Null when the station may start; otherwise the reason it must not.
    /// </summary>
    /// <param name="options">The inspector section.</param>
    /// <param name="modeNeedsHuman">True when the configured mode takes verdicts from inspectors.</param>
    /// <param name="backendFailure">Why the configured backend could not be opened, or null when it opened (or is none).</param>
    public static string? RefusalReason(InspectorOptions options, bool modeNeedsHuman, Exception? backendFailure)
    {
        const string allow = "set inspector:allowRunWithoutInspector to true to run without one anyway";
        if (backendFailure is not null)
        {
            return options.AllowRunWithoutInspector
                ? null
                : $"The inspector backend '{options.Backend.ToString().ToLowerInvariant()}' did not start: {backendFailure.Message} "
                  + $"(or {allow}).";
        }

        if (options.Backend == InspectorBackendKind.None && modeNeedsHuman && !options.AllowRunWithoutInspector)
        {
            return "The mode takes verdicts from inspectors, but inspector:backend is none. "
                   + $"Set inspector:backend to gpiod, keyboard or scripted, or {allow}.";
        }

        return null;
    }
}
