using EdgeInspect.Native;

namespace EdgeInspect.Worker.Cli;

/// <summary>The one place a verb loads the native libraries it needs and reports every missing one.</summary>
internal static class NativeCheck
{
    /// <summary>
    /// Loads <paramref name="ids"/> (every library when none are named). On failure writes each library's message
    /// (what, paths tried, the fix) to <paramref name="error"/> and returns false: the verb exits with
    /// <see cref="ExitCodes.EnvironmentNotReady"/>.
    /// </summary>
    public static bool Ready(TextWriter error, params NativeLibraryId[] ids)
    {
        var missing = NativeLibraries.LoadAll(ids.Length == 0 ? NativeLibraries.All.Select(l => l.Id) : ids);
        foreach (var failure in missing)
        {
            error.WriteLine(failure.Message);
        }

        return missing.Count == 0;
    }
}
