using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Core.Statistics;

/// <summary>
/// A confusion matrix over the last <see cref="Capacity"/> parts: a ring buffer of one byte per part, so adding a
/// part is O(1) (the oldest part's cell is subtracted as the new one is added). Not thread-safe: the owner locks.
/// </summary>
public sealed class SlidingConfusion
{
    private readonly byte[] _cells;
    private int _next;
    private int _count;

    public SlidingConfusion(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _cells = new byte[capacity];
    }

    public int Capacity => _cells.Length;

    public ConfusionCounts Counts { get; private set; }

    public void Add(Verdict judge, Verdict reference)
    {
        var cell = ConfusionCounts.Cell(judge, reference);
        if (_count == _cells.Length)
        {
            Counts = Counts.Add((ConfusionCounts.Cells)_cells[_next], -1);
        }
        else
        {
            _count++;
        }

        _cells[_next] = (byte)cell;
        Counts = Counts.Add(cell, 1);
        _next = (_next + 1) % _cells.Length;
    }

    public void Clear()
    {
        _next = 0;
        _count = 0;
        Counts = default;
    }
}
