namespace EdgeInspect.Worker.Cli;

/// <summary>Process exit codes shared by every verb. Scripts and systemd rely on them; do not renumber.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The job ran and failed (a self-test failed, a run ended on an error).</summary>
    public const int Failed = 1;

    /// <summary>The input was wrong: bad arguments, an invalid station config or model package.</summary>
    public const int InvalidInput = 2;

    /// <summary>The machine is not ready: a native library is missing or unusable.</summary>
    public const int EnvironmentNotReady = 3;
}
