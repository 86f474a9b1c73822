namespace EdgeInspect.Core.Inspection;

/// <summary>
/// An inspector backend that must be shown each part it is asked about (a scripted inspector answering from ground
/// truth). Real buttons need no such call: the inspector sees the part on the conveyor.
/// </summary>
public interface IPartPresenter
{
    /// <summary>Shows the inspector a part; the answer comes later, in part order, through its presses.</summary>
    void Present(string partId, Verdict groundTruth, long monotonicTimestamp);
}
