using Milter.Protocol;

namespace Milter;

/// <summary>
/// What a session knows about one SMTP connection, from option negotiation (or QUIT_NC) to its end: its handler, its
/// context and where its current message stands. A new one replaces it for the next SMTP connection.
/// </summary>
internal sealed class SmtpConnection(IMilterHandler handler, MilterContext context, bool connected)
{
    public IMilterHandler Handler { get; } = handler;

    public MilterContext Context { get; } = context;

    /// <summary>Where the current message stands: a value changed in place, through this field.</summary>
    public MessageStages Message;

    /// <summary>The current message's clock, counts, early verdict and activity.</summary>
    public MessageTrace Trace;

    /// <summary>CONNECT arrived, or was negotiated away.</summary>
    public bool Connected { get; set; } = connected;

    /// <summary>Throws the protocol error for a command that needs CONNECT first when none came.</summary>
    public void EnsureConnected(MilterCommandCode command)
    {
        if (!Connected)
            throw new MilterProtocolException(MilterProtocolError.OutOfOrder, $"{CommandNames.Of(command)} arrived before CONNECT.");
    }

    /// <summary>A final verdict at CONNECT or HELO: the handler sees nothing more of this connection.</summary>
    public bool Decided { get; set; }

    /// <summary>The handler asked to skip the body and the MTA cannot: the rest of the body passes it by.</summary>
    public bool SkipBody { get; set; }

    /// <summary>A failure at a step the MTA did not wait for, to be answered at the next step it waits for.</summary>
    public PendingFailure? PendingFailure { get; set; }

    /// <summary>
    /// A call overran or lost its MTA and still runs: the handler gets no more calls here; its abort (if owed), close and
    /// disposal wait for <see cref="Straggler"/>.
    /// </summary>
    public bool Retired => Straggler is not null;

    /// <summary>The call still running after it was abandoned.</summary>
    public Task? Straggler { get; private set; }

    /// <summary>Whether the retired handler saw its message start and will not see it end.</summary>
    public bool AbortOwed { get; private set; }

    public void Retire(Task straggler, bool abortOwed) => (Straggler, AbortOwed) = (straggler, abortOwed);

    /// <summary>The message is over: its state and any failure it left go.</summary>
    public void EndMessage()
    {
        Message.Reset();
        SkipBody = false;
        if (PendingFailure is { MessageLevel: true })
            PendingFailure = null;
        Context.EndMessage();
    }
}

/// <summary>A failure at a step that could not be answered, delivered at the next step the MTA waits for.</summary>
internal readonly record struct PendingFailure(MilterVerdict Verdict, bool MessageLevel);
