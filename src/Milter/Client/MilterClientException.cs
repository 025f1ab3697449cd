namespace Milter.Client;

/// <summary>The milter misbehaved from the MTA's point of view: it closed early, did not answer in time, or answered out of turn.</summary>
public sealed class MilterClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MilterClientException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public MilterClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public MilterClientException()
        : this("The milter misbehaved.")
    {
    }
}
