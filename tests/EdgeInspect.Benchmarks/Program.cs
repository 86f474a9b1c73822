using BenchmarkDotNet.Running;
using EdgeInspect.Native;

// Native libraries are loaded explicitly, as in the service, before any benchmark touches them.
var missing = NativeLibraries.LoadAll(NativeLibraries.All.Select(l => l.Id));
foreach (var failure in missing)
{
    Console.Error.WriteLine(failure.Message);
}

if (missing.Count > 0)
{
    return 3;
}

BenchmarkSwitcher.FromAssembly(typeof(EdgeInspect.Benchmarks.BenchConfig).Assembly).Run(args, new EdgeInspect.Benchmarks.BenchConfig());
return 0;
