using Microsoft.Extensions.Logging;

namespace Milter.State.Tests.Support;

/// <summary>A logger factory whose loggers keep every line written, with its level.</summary>
public sealed class CapturingLoggers : ILoggerFactory, ILogger
{
    public List<(LogLevel Level, string Text)> Lines { get; } = [];

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines)
            Lines.Add((logLevel, formatter(state, exception)));
    }

    public void Dispose()
    {
    }
}
