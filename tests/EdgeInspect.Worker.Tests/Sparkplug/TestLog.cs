using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Tests.Sparkplug;

/// <summary>Collects log lines in memory, to show what the node did when a test fails.</summary>
internal sealed class TestLog : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");

    public override string ToString() => string.Join(Environment.NewLine, Lines);
}
