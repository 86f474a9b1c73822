// These tests start real brokers, child processes and whole station pipelines. On a 2-core box, running their
// classes in parallel turns CPU contention into timeouts; one class at a time keeps every test deterministic.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
