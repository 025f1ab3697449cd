using Microsoft.Extensions.Logging;

namespace Milter.Tests.Support;

/// <summary>A logger factory whose every logger keeps its entries in one list, to assert on what a server logged.</summary>
internal sealed class ListLoggerFactory : ILoggerFactory
{
    private readonly ListLogger _logger = new();

    public IReadOnlyList<string> Messages => [.. _logger.Entries.Select(e => e.Message)];

    public ILogger CreateLogger(string categoryName) => _logger;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
