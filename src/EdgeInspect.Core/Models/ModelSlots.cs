namespace EdgeInspect.Core.Models;

/// <summary>
/// The blue/green model slots: <c>active</c> (decides), <c>candidate</c> (runs in shadow) and <c>previous</c>
/// (the last active, kept loaded so <see cref="Rollback"/> is instant).
/// </summary>
/// <remarks>
/// <para>Every change swaps one immutable snapshot of the three slots, so a reader never sees a half-done promote.</para>
/// <para>Lifetime: a model leaves the slots when it is replaced as candidate, evicted from previous or rolled back
/// from. It is disposed when the last <see cref="ModelLease{T}"/> on it ends, never while a Predict holds it.
/// The slots own the models given to them.</para>
/// </remarks>
public sealed class ModelSlots<T> : IDisposable
    where T : class, IDisposable
{
    private readonly Lock _writers = new();
    private Snapshot _slots = new(null, null, null);
    private bool _disposed;

    /// <summary>The models in each slot right now (or null). For display; use the Acquire methods to run one.</summary>
    public T? Active => Volatile.Read(ref _slots).Active?.Model;

    public T? Candidate => Volatile.Read(ref _slots).Candidate?.Model;

    public T? Previous => Volatile.Read(ref _slots).Previous?.Model;

    /// <summary>Borrows the active model; dispose the lease when the call is done. Allocates nothing.</summary>
    public ModelLease<T> AcquireActive() => Acquire(static s => s.Active);

    /// <summary>Borrows the candidate model, if there is one.</summary>
    public ModelLease<T> AcquireCandidate() => Acquire(static s => s.Candidate);

    /// <summary>Makes <paramref name="model"/> active at once; the active one becomes previous (startup, or a forced swap).</summary>
    public void SetActive(T model) => Change(s => (new Snapshot(new Entry(model), s.Candidate, s.Active), s.Previous));

    /// <summary>Puts <paramref name="model"/> in the candidate slot, replacing (and retiring) any candidate there.</summary>
    public void LoadCandidate(T model) => Change(s => (s with { Candidate = new Entry(model) }, s.Candidate));

    /// <summary>Removes the candidate, if any.</summary>
    public void ClearCandidate() => Change(s => (s with { Candidate = null }, s.Candidate));

    /// <summary>Candidate becomes active; active becomes previous. False (and nothing changes) without a candidate.</summary>
    public bool Promote()
    {
        var promoted = false;
        Change(s =>
        {
            if (s.Candidate is null)
            {
                return (s, null);
            }

            promoted = true;
            return (new Snapshot(s.Candidate, null, s.Active), s.Previous);
        });
        return promoted;
    }

    /// <summary>Previous becomes active again; the active one is retired. False (and nothing changes) without a previous.</summary>
    public bool Rollback()
    {
        var rolledBack = false;
        Change(s =>
        {
            if (s.Previous is null)
            {
                return (s, null);
            }

            rolledBack = true;
            return (new Snapshot(s.Previous, s.Candidate, null), s.Active);
        });
        return rolledBack;
    }

    public void Dispose()
    {
        Snapshot last;
        lock (_writers)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            last = Interlocked.Exchange(ref _slots, new Snapshot(null, null, null));
        }

        last.Active?.Release();
        last.Candidate?.Release();
        last.Previous?.Release();
    }

    private void Change(Func<Snapshot, (Snapshot Next, Entry? Retired)> change)
    {
        Entry? retired;
        lock (_writers)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            (var next, retired) = change(_slots);
            Volatile.Write(ref _slots, next);
        }

        // Outside the lock: disposing a model may take a while, and waits for no one (leases dispose the last reference).
        retired?.Release();
    }

    private ModelLease<T> Acquire(Func<Snapshot, Entry?> slot)
    {
        while (true)
        {
            var entry = slot(Volatile.Read(ref _slots));
            if (entry is null)
            {
                return default;
            }

            if (entry.TryAddRef())
            {
                return new ModelLease<T>(entry);
            }

            // The entry was retired between reading the snapshot and taking the reference: read again.
        }
    }

    private sealed record Snapshot(Entry? Active, Entry? Candidate, Entry? Previous);

    /// <summary>A model plus a reference count: 1 for the slot holding it, plus one per live lease.</summary>
    internal sealed class Entry(T model)
    {
        private int _references = 1;

        public T Model { get; } = model;

        public bool TryAddRef()
        {
            while (true)
            {
                var seen = Volatile.Read(ref _references);
                if (seen == 0)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref _references, seen + 1, seen) == seen)
                {
                    return true;
                }
            }
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _references) == 0)
            {
                Model.Dispose();
            }
        }
    }
}

/// <summary>A borrowed model from <see cref="ModelSlots{T}"/>. Keeps it alive until disposed; dispose exactly once.</summary>
public readonly struct ModelLease<T> : IDisposable
    where T : class, IDisposable
{
    private readonly ModelSlots<T>.Entry? _entry;

    internal ModelLease(ModelSlots<T>.Entry entry) => _entry = entry;

    /// <summary>The model, or null when the slot was empty.</summary>
    public T? Model => _entry?.Model;

    public void Dispose() => _entry?.Release();
}
