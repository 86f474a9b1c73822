using EdgeInspect.Worker.Cli;

// edgeinspect: one executable, one verb per job. Each verb lives in Cli/ and owns its options.
return EdgeInspectCli.Build().Parse(args).Invoke();
