namespace Milter.State;

/// <summary>
/// The store could not carry out an operation in time: Redis down, frozen or refusing us, the database locked or
/// unwritable. <see cref="Fault"/> says which; the message is one line naming the store and the fault, never a secret.
/// </summary>
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

    /// <summary>Creates the exception for a fault of <paramref name="fault"/>'s kind.</summary>
    /// <param name="fault">The kind of fault.</param>
    /// <param name="message">One line: the store and what happened.</param>
    /// <param name="innerException">The store client's own error, if any.</param>
    public MilterStoreUnavailableException(StoreFault fault, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Fault = fault;
    }

    /// <summary>Creates the exception the stores throw: the message is "<paramref name="store"/>: <paramref name="reason"/>".</summary>
    internal MilterStoreUnavailableException(string store, StoreFault fault, string reason, Exception? innerException)
        : this(fault, $"{store}: {reason}", innerException)
    {
        Store = store;
        Reason = reason;
    }

    /// <summary>The store's name, as <see cref="MilterStore.Description"/> gives it.</summary>
    internal string Store { get; } = string.Empty;

    /// <summary>What happened, without the store's name: "no answer within 2 s".</summary>
    internal string Reason { get; } = string.Empty;

    /// <summary>The kind of fault (<see cref="StoreFault.Other"/> when the exception was made without one).</summary>
    public StoreFault Fault { get; } = StoreFault.Other;

    /// <summary>
    /// Whether the store refuses us rather than being away: wrong credentials, an untrusted certificate, an unknown
    /// host, a file that cannot be opened or written. Waiting does not cure these; a start-up check stops on them.
    /// </summary>
    public bool IsConfigurationFault => Fault is StoreFault.AuthenticationFailed or StoreFault.CertificateRejected or StoreFault.UnknownHost
        or StoreFault.CannotOpen or StoreFault.ReadOnly;
}
