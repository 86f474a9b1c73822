using System.Reflection;

namespace EdgeInspect.Core.Tests;

/// <summary>
/// Core is pure C#: the modes, statistics, drift detectors and records must stay testable in microseconds, without
/// native libraries, a host or a container. These checks read the compiled assembly, so a reference or a P/Invoke that
/// creeps in fails here whatever the source looks like.
/// </summary>
public sealed class ProjectBoundaryTests
{
    private static readonly Assembly Core = typeof(EdgeInspect.Core.CoreAssembly).Assembly;

    [Fact]
    public void Core_References_Only_The_Base_Class_Library()
    {
        // An allow-list: hosting, DI, options, logging, SQLite, MQTT or EdgeInspect.* would each name another assembly.
        var references = Core.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.True(r is "System" or "netstandard" or "mscorlib" || r.StartsWith("System.", StringComparison.Ordinal),
            $"Core references {r}; it may use only the base class library (System.*)"));
    }

    [Fact]
    public void Core_Declares_No_Native_Interop()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var types = Core.GetTypes();
        // [DllImport] and [LibraryImport] (whose generated stub is a DllImport) compile to P/Invoke methods.
        var pinvokes = types.SelectMany(t => t.GetMethods(all)).Where(m => (m.Attributes & MethodAttributes.PinvokeImpl) != 0).Select(m => $"{m.DeclaringType}.{m.Name}");
        // Function pointers into native code (the way ORT's API table is bound) show up as unmanaged function pointer types.
        var functionPointers = types.SelectMany(t => t.GetFields(all)).Where(f => f.FieldType.IsUnmanagedFunctionPointer).Select(f => $"{f.DeclaringType}.{f.Name}");
        var nativeLoads = types.Where(t => t.GetCustomAttributes<System.Runtime.InteropServices.DefaultDllImportSearchPathsAttribute>().Any()).Select(t => t.FullName);

        Assert.Empty(pinvokes);
        Assert.Empty(functionPointers);
        Assert.Empty(nativeLoads);
    }

    [Fact]
    public void The_Interop_Check_Sees_A_PInvoke_When_There_Is_One()
    {
        // The check above would pass vacuously if reflection hid P/Invokes; this assembly has one to prove it does not.
        var method = typeof(Probe).GetMethod(nameof(Probe.getpid), BindingFlags.NonPublic | BindingFlags.Static)!;

        Assert.NotEqual((MethodAttributes)0, method.Attributes & MethodAttributes.PinvokeImpl);
    }

    private static class Probe
    {
        [System.Runtime.InteropServices.DllImport("libc")]
        internal static extern int getpid();
    }
}
