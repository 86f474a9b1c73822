using System.Reflection;

namespace EdgeInspect.Core.Tests;

public sealed class ProjectBoundaryTests
{
    [Fact]
    public void Core_References_No_Other_EdgeInspect_Assembly_And_No_Native_Interop_Package()
    {
        // Core is pure C#: the modes, statistics and drift detectors must stay testable without native libraries.
        var references = typeof(EdgeInspect.Core.CoreAssembly).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(references, r => r.StartsWith("EdgeInspect.", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.Contains("Sqlite", StringComparison.OrdinalIgnoreCase));
    }
}
