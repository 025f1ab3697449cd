using System.Text;
using Microsoft.Extensions.Logging;

namespace Milter.Server;

/// <summary>
/// The log of the short <see cref="MilterServer.RunAsync(IMilterHandlerFactory, MilterServerOptions, ILoggerFactory?, CancellationToken)"/>
/// forms when no logger factory is given: one line per entry on standard error (journald keeps it under systemd),
/// Information and above, the exception below its line, the scopes (a connection's id, MTA, client and queue id) after
/// the category. Small on purpose: no dependency, nothing for NativeAOT to trim.
/// </summary>
internal sealed class ConsoleLogging(LogLevel minimum = LogLevel.Information) : ILoggerFactory
{
    private readonly Lock _write = new();
    private readonly LoggerExternalScopeProvider _scopes = new();

    private LogLevel Minimum { get; } = minimum;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("The built-in console log takes no providers; pass your own ILoggerFactory to RunAsync instead.");

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var text = new StringBuilder().Append(Label(level)).Append(' ').Append(category);
        _scopes.ForEachScope(static (scope, line) => line.Append(" [").Append(scope).Append(']'), text);
        text.Append(": ").Append(message);
        if (exception is not null)
            text.Append(Environment.NewLine).Append("      ").Append(exception.ToString().ReplaceLineEndings(Environment.NewLine + "      "));
        lock (_write)
            Console.Error.WriteLine(text);
    }

    private static string Label(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class Logger(ConsoleLogging owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (IsEnabled(logLevel))
                owner.Write(logLevel, category, formatter(state, exception), exception);
        }
    }
}
