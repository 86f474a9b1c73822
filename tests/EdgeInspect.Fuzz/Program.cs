using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using SharpFuzz;

// AFL++ harness: one target per run, named by the first argument. AFL counts an escaping exception as a crash, so
// each target lets only the parser's documented outcome through and turns a broken invariant into an exception.
var target = args.Length > 0 ? args[0] : "";
Action<ReadOnlySpan<byte>> run = target switch
{
    "envelope" => data => Envelope.TryReadHeader(data, out _),
    "command" => Command,
    "manifest" => Manifest,
    _ => throw new ArgumentException("usage: EdgeInspect.Fuzz envelope|command|manifest (input on stdin, run under afl-fuzz)"),
};

Fuzzer.OutOfProcess.Run(stream =>
{
    using var memory = new MemoryStream();
    stream.CopyTo(memory);
    run(memory.ToArray());
});

static void Command(ReadOnlySpan<byte> data)
{
    var dispatcher = new CommandDispatcher().Register(new DelegateCommandHandler("set-inspector",
        new CommandSchema(new ArgSpec("position", ArgType.String, MaxLength: 64), new ArgSpec("inspectorId", ArgType.String, MaxLength: 128)),
        (r, _) => ValueTask.FromResult(CommandOutcome.Accept($"{r.Args.GetProperty("inspectorId").GetString()} is at {r.Args.GetProperty("position").GetString()}"))));
    var response = dispatcher.DispatchAsync("set-inspector", data.ToArray()).AsTask().GetAwaiter().GetResult();
    if (!response.Accepted && string.IsNullOrWhiteSpace(response.Reason))
    {
        throw new InvalidOperationException("a rejection without a reason");
    }
}

static void Manifest(ReadOnlySpan<byte> data)
{
    ModelManifest m;
    try
    {
        m = ModelManifestReader.Parse(System.Text.Encoding.UTF8.GetString(data));
    }
    catch (ModelPackageException)
    {
        return;
    }

    // The invariants the CsCheck property also holds (ModelManifestFuzzTests.Usable), the cheap ones.
    if (m.Input.ElementCount != m.Input.Shape[1] * m.Input.Shape[2] * m.Input.Shape[3]
        || !float.IsFinite(m.Input.Scale) || m.Input.Std.Any(v => !(v > 0) || !float.IsFinite(v)) || m.Input.Mean.Any(v => !float.IsFinite(v))
        || m.GoldenSamples.Any(g => g.ExpectedOutput.Any(v => !float.IsFinite(v)))
        || (long)m.Input.Roi.X + m.Input.Roi.Width > int.MaxValue
        || m.Output.ClassNames.Any(n => !EdgeInspect.Core.Names.IsValid(n)) || !EdgeInspect.Core.Names.IsValid(m.Identity.Version))
    {
        throw new InvalidOperationException("an accepted manifest the runtime cannot use");
    }
}
