namespace Milter.Cli;

/// <summary>A failure the user can act on, already in words: printed without a stack trace, and the command exits with 1.</summary>
internal sealed class CommandException : Exception
{
    public CommandException(string message)
        : base(message)
    {
    }

    public CommandException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CommandException()
    {
    }
}
