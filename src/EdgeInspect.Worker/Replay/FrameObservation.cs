namespace EdgeInspect.Worker.Replay;

/// <summary>
/// One frame as the replay saw it. A struct passed by <c>in</c>, so feeding the builder allocates nothing per frame.
/// </summary>
public readonly record struct FrameObservation
{
    /// <summary>Frame number in the source, from 0; the timeline's x axis.</summary>
    public required long FrameIndex { get; init; }

    /// <summary>The file name (folder source) or a frame label (video source); shown for disagreeing frames.</summary>
    public string? File { get; init; }

    /// <summary>Index into the builder's class names.</summary>
    public required int PredictedClass { get; init; }

    /// <summary>Probability of any defect, in [0, 1].</summary>
    public required float DefectScore { get; init; }

    /// <summary>The label's class index, or null for an unlabelled frame.</summary>
    public int? TrueClass { get; init; }

    public float Brightness { get; init; }

    public float Contrast { get; init; }

    public float Sharpness { get; init; }

    public TimeSpan Preprocess { get; init; }

    public TimeSpan Inference { get; init; }

    /// <summary>From frame in to verdict out.</summary>
    public TimeSpan EndToEnd { get; init; }

    /// <summary>
    /// The frame's encoded bytes (for a folder source, the file's content). Read only when the frame disagrees
    /// with its label, to make its thumbnail; the builder keeps no reference to it after <see cref="ReplayReportBuilder.Observe"/>.
    /// </summary>
    public ReadOnlyMemory<byte> Image { get; init; }
}
