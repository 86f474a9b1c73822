using EdgeInspect.Worker.Cli;
using EdgeInspect.Worker.Hosting;

// Before any thread of the station allocates natively (docs/performance.md, "Runtime settings").
NativeHeap.LimitArenas();

// edgeinspect: one executable, one verb per job. Each verb lives in Cli/ and owns its options.
return EdgeInspectCli.Build().Parse(args).Invoke();
