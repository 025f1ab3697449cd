namespace Milter.Cli;

/// <summary>Reads the message to send, and says in words what is wrong with a path that is not a message file.</summary>
internal static class MessageFile
{
    public static async Task<byte[]> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            // Reading a folder fails with "access denied", which sends the user after permissions.
            var example = Directory.EnumerateFiles(path, "*.eml").Order(StringComparer.Ordinal).FirstOrDefault();
            throw new CommandException($"{path} is a folder, not a message: give one message file{(example is null ? string.Empty : $", such as {example}")}");
        }

        return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
    }
}
