namespace Milter.State;

/// <summary>The store could not carry out an operation in time: Redis down or unreachable, the database locked or unwritable.</summary>
public sealed class MilterStoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MilterStoreUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MilterStoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the store's own error.</summary>
    public MilterStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
