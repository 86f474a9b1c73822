namespace EdgeInspect.Core;

/// <summary>Marker for the Core assembly (pure C#, no native code).</summary>
public static class CoreAssembly
{
    public static string Version => typeof(CoreAssembly).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
