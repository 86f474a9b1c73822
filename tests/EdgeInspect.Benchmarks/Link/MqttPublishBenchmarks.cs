using BenchmarkDotNet.Attributes;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Link.Mqtt;

namespace EdgeInspect.Benchmarks.Link;

/// <summary>
/// What one QoS 1 publish costs on MQTTnet, from <see cref="MqttConnection.PublishAsync"/> to its PUBACK, against a
/// local mosquitto: one awaited at a time (the latency) against a window of overlapping ones (the throughput the link
/// drains with). Bodies are 440 B, the size of a result envelope in the link-soak benchmark.
/// </summary>
[Config(typeof(BenchConfig))]
public class MqttPublishBenchmarks
{
    private const int Window = 1000;

    private readonly Task<PublishOutcome>[] _window = new Task<PublishOutcome>[Window];
    private readonly byte[] _payload = new byte[440];
    private MosquittoBroker _broker = null!;
    private MqttConnection _connection = null!;

    [Params(MqttProtocol.V5, MqttProtocol.V311)]
    public MqttProtocol Protocol { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _broker = MosquittoBroker.StartAsync().GetAwaiter().GetResult();
        _connection = new MqttConnection(new MqttConnectionOptions { Host = _broker.Host, Port = _broker.Port, ClientId = "bench-pub", Protocol = Protocol });
        _connection.Start();
        if (!_connection.WaitConnectedAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult())
        {
            throw new InvalidOperationException($"no connection to the benchmark broker: {_broker.Log}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _broker.Dispose();
    }

    [Benchmark(Baseline = true, Description = "publish → PUBACK, 1 awaited")]
    public async Task<PublishOutcome> PublishOne() => await _connection.PublishAsync("bench/result", _payload);

    [Benchmark(OperationsPerInvoke = Window, Description = "publish → PUBACK, window of 1000 (per message)")]
    public async Task<PublishOutcome> PublishWindow()
    {
        for (var i = 0; i < Window; i++)
        {
            _window[i] = _connection.PublishAsync("bench/result", _payload);
        }

        PublishOutcome last = default;
        for (var i = 0; i < Window; i++)
        {
            last = await _window[i];
        }

        return last;
    }
}
