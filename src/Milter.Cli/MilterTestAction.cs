using System.CommandLine;
using System.CommandLine.Invocation;
using Milter.Client;
using Milter.Protocol;

namespace Milter.Cli;

/// <summary>
/// The base of every milter-test command: a failure the user can act on (the milter cannot be reached, answers
/// nonsense, a file cannot be read) is one line on standard error and exit code 1, never a stack trace.
/// </summary>
internal abstract class MilterTestAction : AsynchronousCommandLineAction
{
    public sealed override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
    {
        try
        {
            return await RunAsync(parseResult, parseResult.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CommandException or MilterClientException or MilterProtocolException or IOException or UnauthorizedAccessException)
        {
            await parseResult.InvocationConfiguration.Error.WriteLineAsync($"milter-test: {AfterPrefix(e.Message)}").ConfigureAwait(false);
            return ExitCodes.Error;
        }
    }

    /// <summary>The library's sentences ("The milter at X closed the connection.") as the rest of a Unix error line.</summary>
    private static string AfterPrefix(string message)
    {
        if (message.EndsWith('.') && !message.EndsWith("..", StringComparison.Ordinal))
            message = message[..^1];
        return message.Length > 1 && char.IsUpper(message[0]) && char.IsLower(message[1])
            ? char.ToLowerInvariant(message[0]) + message[1..]
            : message;
    }

    protected abstract Task<int> RunAsync(ParseResult parseResult, TextWriter output, CancellationToken cancellationToken);
}
