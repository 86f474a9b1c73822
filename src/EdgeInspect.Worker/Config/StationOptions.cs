using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Core.Samples;
using EdgeInspect.Core.Statistics;

namespace EdgeInspect.Worker.Config;

/// <summary>
/// The pipeline's own sections of a station file. Subsystem sections (capture, model, link, inspector, monitoring)
/// are registered on <see cref="StationConfigLoader"/> and read with <see cref="StationConfig.Section{T}"/>.
/// </summary>
public sealed class StationOptions
{
    public required StationIdentityOptions Station { get; init; }

    public required AutomationOptions Automation { get; init; }

    public required PromotionOptions Promotion { get; init; }

    public required SampleOptions Samples { get; init; }

    public required AgreementOptions Statistics { get; init; }
}
