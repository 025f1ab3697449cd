namespace Milter.Protocol;

/// <summary>
/// The peer broke the milter protocol: a malformed or oversized frame, an unknown command,
/// a command out of order, or a failed negotiation. The message names the problem.
/// </summary>
public class MilterProtocolException : Exception
{
    /// <summary>Creates an exception for a protocol violation of the given kind.</summary>
    public MilterProtocolException(MilterProtocolError error, string message)
        : base(message) => Error = error;

    /// <summary>Creates an exception with a generic message.</summary>
    public MilterProtocolException()
        : this(MilterProtocolError.MalformedPayload, "Milter protocol violation.")
    {
    }

    /// <summary>Creates an exception for a malformed payload.</summary>
    public MilterProtocolException(string message)
        : this(MilterProtocolError.MalformedPayload, message)
    {
    }

    /// <summary>Creates an exception for a malformed payload with an inner cause.</summary>
    public MilterProtocolException(string message, Exception innerException)
        : base(message, innerException) => Error = MilterProtocolError.MalformedPayload;

    /// <summary>What kind of violation this is.</summary>
    public MilterProtocolError Error { get; }
}
