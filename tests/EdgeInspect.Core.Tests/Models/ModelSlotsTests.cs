using EdgeInspect.Core.Models;

namespace EdgeInspect.Core.Tests.Models;

public sealed class ModelSlotsTests
{
    private sealed class FakeModel(string name) : IDisposable
    {
        public string Name { get; } = name;

        public int Disposals { get; private set; }

        public void Dispose() => Disposals++;
    }

    [Fact]
    public void Promote_Makes_The_Candidate_Active_And_Keeps_The_Old_Active_As_Previous()
    {
        using var slots = new ModelSlots<FakeModel>();
        var a = new FakeModel("a");
        var b = new FakeModel("b");
        slots.SetActive(a);
        slots.LoadCandidate(b);

        Assert.True(slots.Promote());

        Assert.Same(b, slots.Active);
        Assert.Same(a, slots.Previous);
        Assert.Null(slots.Candidate);
        Assert.Equal(0, a.Disposals);
    }

    [Fact]
    public void Rollback_Restores_The_Previous_Model_At_Once_And_Retires_The_Bad_One()
    {
        using var slots = new ModelSlots<FakeModel>();
        var a = new FakeModel("a");
        var b = new FakeModel("b");
        slots.SetActive(a);
        slots.LoadCandidate(b);
        slots.Promote();

        Assert.True(slots.Rollback());

        Assert.Same(a, slots.Active);
        Assert.Null(slots.Previous);
        Assert.Equal(1, b.Disposals);
        Assert.Equal(0, a.Disposals);
    }

    [Fact]
    public void Promote_Without_A_Candidate_And_Rollback_Without_A_Previous_Change_Nothing()
    {
        using var slots = new ModelSlots<FakeModel>();
        var a = new FakeModel("a");
        slots.SetActive(a);

        Assert.False(slots.Promote());
        Assert.False(slots.Rollback());
        Assert.Same(a, slots.Active);
    }

    [Fact]
    public void A_Model_Retired_While_Leased_Is_Disposed_Only_When_The_Lease_Ends()
    {
        using var slots = new ModelSlots<FakeModel>();
        var old = new FakeModel("old");
        slots.LoadCandidate(old);
        var lease = slots.AcquireCandidate();

        slots.LoadCandidate(new FakeModel("new"));
        Assert.Equal(0, old.Disposals);
        Assert.Same(old, lease.Model);

        lease.Dispose();
        Assert.Equal(1, old.Disposals);
    }

    [Fact]
    public void A_Third_Generation_Evicts_The_Oldest_Model_Exactly_Once()
    {
        using var slots = new ModelSlots<FakeModel>();
        var models = Enumerable.Range(0, 3).Select(i => new FakeModel($"m{i}")).ToArray();
        slots.SetActive(models[0]);
        slots.LoadCandidate(models[1]);
        slots.Promote();
        slots.LoadCandidate(models[2]);
        slots.Promote();

        Assert.Equal([1, 0, 0], models.Select(m => m.Disposals));
        Assert.Same(models[1], slots.Previous);
    }

    [Fact]
    public void Disposing_The_Slots_Disposes_Every_Loaded_Model_Once()
    {
        var models = Enumerable.Range(0, 3).Select(i => new FakeModel($"m{i}")).ToArray();
        var slots = new ModelSlots<FakeModel>();
        slots.SetActive(models[0]);
        slots.SetActive(models[1]);
        slots.LoadCandidate(models[2]);

        slots.Dispose();
        slots.Dispose();

        Assert.All(models, m => Assert.Equal(1, m.Disposals));
    }

    [Fact]
    public async Task Readers_Never_See_A_Disposed_Model_While_Promotions_Race()
    {
        using var slots = new ModelSlots<RaceModel>();
        slots.SetActive(new RaceModel());
        const int promotions = 2000;
        var done = 0;
        var reader = Task.Run(() =>
        {
            var reads = 0;
            do
            {
                using var lease = slots.AcquireActive();
                lease.Model!.Use();
                reads++;
            }
            while (Volatile.Read(ref done) < promotions);

            return reads;
        });

        for (var i = 0; i < promotions; i++)
        {
            slots.LoadCandidate(new RaceModel());
            slots.Promote();
            Volatile.Write(ref done, i + 1);
        }

        Assert.True(await reader > 0);
    }

    private sealed class RaceModel : IDisposable
    {
        private volatile bool _disposed;

        public void Use()
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(RaceModel));
            }
        }

        public void Dispose() => _disposed = true;
    }
}
