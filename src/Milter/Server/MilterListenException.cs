namespace Milter.Server;

/// <summary>
/// An address cannot be listened on: in use by another process (a second instance), a path that holds something other
/// than a socket, or no permission. The message names the address and the reason, in one line.
/// </summary>
public sealed class MilterListenException : IOException
{
    /// <summary>Creates the exception for <paramref name="address"/>.</summary>
    public MilterListenException(string address, string reason, Exception? innerException = null)
        : base($"Cannot listen on {address}: {reason}", innerException)
    {
        Address = address;
    }

    /// <summary>The address, in milter syntax.</summary>
    public string Address { get; }
}
