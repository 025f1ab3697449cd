using Microsoft.Extensions.Logging;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// A log provider of the host, as the console or journald providers are: it receives the host's scopes through
/// <see cref="ISupportExternalScope"/> and keeps each line with the scope values it was written under, read at that moment.
/// </summary>
internal sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly List<Line> _lines = [];
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public sealed record Line(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Scope, string ScopeText);

    public IReadOnlyList<Line> Lines
    {
        get
        {
            lock (_lines)
                return [.. _lines];
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private void Write(string category, LogLevel level, string message)
    {
        var values = new Dictionary<string, object?>();
        var texts = new List<string>();
        _scopes.ForEachScope((scope, _) =>
        {
            texts.Add(scope?.ToString() ?? "");
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                    values[key] = value;
            }
        }, (object?)null);
        lock (_lines)
            _lines.Add(new Line(category, level, message, values, string.Join(" => ", texts)));
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => logs._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Write(category, logLevel, formatter(state, exception));
    }
}
