namespace Milter.Server;

/// <summary>
/// A listen or milter address that is not in milter syntax. The message is one line: the address, what is wrong with it,
/// and the accepted forms (for Postfix's <c>inet:HOST:PORT</c>, the same address written the milter's way).
/// <see cref="MilterServer.RunAsync(IMilterHandlerFactory, MilterServerOptions, Microsoft.Extensions.Logging.ILoggerFactory?, CancellationToken)"/>
/// and Milter.Hosting log it and end with <see cref="MilterExitCode.InvalidAddress"/>.
/// </summary>
public sealed class MilterAddressException : FormatException
{
    /// <summary>Creates the exception for <paramref name="address"/>, with <paramref name="problem"/> in words.</summary>
    public MilterAddressException(string address, string problem)
        : base($"\"{address}\" is not a milter address: {problem}. Use inet:PORT@HOST (inet:8890@127.0.0.1), inet6:PORT@HOST, unix:/path or local:/path.")
    {
        Address = address;
    }

    /// <summary>The address as it was given.</summary>
    public string Address { get; }
}
