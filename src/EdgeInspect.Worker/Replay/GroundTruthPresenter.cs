using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Pipeline.Verdicts;

namespace EdgeInspect.Worker.Replay;

/// <summary>
/// Shows a scripted inspector each part it is asked about, with the label of the part's frame: the demo's and
/// replay's stand-in for a person looking at the conveyor. Without labels the inspector can only echo the model.
/// </summary>
public sealed class GroundTruthPresenter(IPartPresenter inspector, GroundTruth? truth, TimeProvider time) : IVerdictRequestObserver
{
    public void OnAsked(PartFacts part) =>
        inspector.Present(part.PartId, truth?.ForSeq(part.Frame.Seq).Verdict ?? part.Output.Verdict, time.GetTimestamp());
}
