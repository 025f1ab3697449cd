using Milter.Protocol;

namespace Milter;

/// <summary>
/// Where a message stands for the milter: its state (none, open, decided) and the last stage reached, with the order
/// the commands must keep (RCPT, HEADER and BODY may repeat). Out-of-order commands are protocol errors.
/// </summary>
internal struct MessageStages
{
    /// <summary>Whether a message is open or decided.</summary>
    public MessageState State { get; private set; }

    /// <summary>The last stage the message reached.</summary>
    public MessageStage Stage { get; private set; }

    /// <summary>Between a message's first command and its end or abort.</summary>
    public bool InMessage => State != MessageState.None;

    /// <summary>MAIL, or the first message command when MAIL is negotiated away.</summary>
    public void Start()
    {
        State = MessageState.Open;
        Stage = MessageStage.Mail;
    }

    /// <summary>
    /// Moves to <paramref name="stage"/> for <paramref name="command"/>. Returns false when no message is in progress
    /// (the caller starts one, or refuses the command).
    /// </summary>
    /// <exception cref="MilterProtocolException">The command comes after a later stage of the same message.</exception>
    public bool TryEnter(MessageStage stage, MilterCommandCode command)
    {
        if (State == MessageState.None)
            return false;
        var repeatable = stage is MessageStage.Rcpt or MessageStage.Header or MessageStage.Body;
        if (stage < Stage || (stage == Stage && !repeatable))
            throw new MilterProtocolException(MilterProtocolError.OutOfOrder, $"{CommandNames.Of(command)} arrived after {Stage} in the same message.");
        Stage = stage;
        return true;
    }

    /// <summary>The milter made a final decision: the rest of the message passes it by.</summary>
    public void Decide()
    {
        if (State == MessageState.Open)
            State = MessageState.Decided;
    }

    /// <summary>The message ended (end of message, abort, or a new message or connection).</summary>
    public void Reset() => (State, Stage) = (MessageState.None, MessageStage.None);
}

/// <summary>Whether a message is in progress, and whether this milter still takes part in it.</summary>
internal enum MessageState
{
    None,
    Open,
    Decided,
}

/// <summary>The order of a message's commands.</summary>
internal enum MessageStage
{
    None,
    Mail,
    Rcpt,
    Data,
    Header,
    EndOfHeaders,
    Body,
    EndOfMessage,
}
