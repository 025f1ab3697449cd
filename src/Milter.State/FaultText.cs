namespace Milter.State;

/// <summary>Store clients' messages made fit for one log line.</summary>
internal static class FaultText
{
    /// <summary>The first line, at most 160 characters: enough to name the problem, short enough for one log line.</summary>
    public static string FirstLine(string message)
    {
        var end = message.AsSpan().IndexOfAny('\r', '\n');
        var line = end < 0 ? message : message[..end];
        return line.Length <= 160 ? line : line[..157] + "...";
    }
}
