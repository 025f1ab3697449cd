using Microsoft.Extensions.Logging;

namespace Milter.Tests.Support;

/// <summary>
/// A logger factory whose loggers share one scope provider, as the real one does: each entry keeps the scopes it was
/// written under, as the pairs a structured provider would see.
/// </summary>
internal sealed class ScopedLogger : ILogger, ILoggerFactory
{
    private readonly LoggerExternalScopeProvider _scopes = new();
    private readonly List<Entry> _entries = [];

    public sealed record Entry(string Message, IReadOnlyDictionary<string, object?> Scope, string ScopeText);

    public IReadOnlyList<Entry> Entries
    {
        get
        {
            lock (_entries)
                return [.. _entries];
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => _scopes.Push(state);

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var pairs = new Dictionary<string, object?>();
        var text = new List<string>();
        _scopes.ForEachScope((scope, _) =>
        {
            text.Add(scope?.ToString() ?? "");
            if (scope is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                    pairs[key] = value;
            }
        }, (object?)null);
        lock (_entries)
            _entries.Add(new(formatter(state, exception), pairs, string.Join(" => ", text)));
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
