using Microsoft.Extensions.Logging;

namespace Milter.State.Tests.Support;

/// <summary>A logger factory whose loggers keep every line written, with its level and the exception logged with it.</summary>
public sealed class CapturingLoggers : ILoggerFactory, ILogger
{
    public List<(LogLevel Level, string Text)> Lines { get; } = [];

    /// <summary>Exceptions passed to the log: a store fault is one line, never a stack trace.</summary>
    public List<Exception> Exceptions { get; } = [];

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines)
        {
            Lines.Add((logLevel, formatter(state, exception)));
            if (exception is not null)
                Exceptions.Add(exception);
        }
    }

    /// <summary>The lines at <paramref name="level"/>, in order.</summary>
    public string[] At(LogLevel level)
    {
        lock (Lines)
            return [.. Lines.Where(l => l.Level == level).Select(l => l.Text)];
    }

    public void Dispose()
    {
    }
}
