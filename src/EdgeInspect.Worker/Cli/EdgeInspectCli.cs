using System.CommandLine;

namespace EdgeInspect.Worker.Cli;

/// <summary>The command tree of the edgeinspect executable.</summary>
public static class EdgeInspectCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("EdgeInspect: visual inspection at the line, with ONNX models beside human inspectors.");
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ModelVerifyCommand.Create());
        root.Subcommands.Add(LinkSoakCommand.Create());
        root.Subcommands.Add(SoakCommand.Create());
        root.Subcommands.Add(ConfigValidateCommand.Create());
        root.Subcommands.Add(BaselineCommand.Create());
        return root;
    }
}
