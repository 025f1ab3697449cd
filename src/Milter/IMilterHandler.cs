namespace Milter;

/// <summary>
/// The low-level milter API: one method per protocol event, the counterpart of libmilter's callbacks and
/// pymilter's <c>milter</c> module. One instance serves one SMTP connection. The source generator implements
/// this for attributed classes; implement it by hand (or derive from <see cref="MilterHandler"/>) for full control.
/// Every method has a default that continues (or does nothing), so an implementation writes only the events it handles.
/// </summary>
/// <remarks>
/// Methods are called one at a time, in protocol order, only for the steps listed in the milter's
/// <see cref="MilterDescription.Steps"/>. A message ends with exactly one call to <see cref="OnEndOfMessageAsync"/>
/// or <see cref="OnAbortAsync"/>, whatever the MTA sends. Memory passed to a method is valid only during that call.
/// Calls run on the thread pool, each within a time limit (<see cref="MilterSessionOptions.HandlerTimeout"/>,
/// <see cref="MilterSessionOptions.EndOfMessageTimeout"/>); the <c>cancellationToken</c> of a call is cancelled when it
/// overruns that limit, when the MTA closes the connection (abort and close calls excepted), or when the server stops
/// for good. A call that overruns is answered with <see cref="MilterSessionOptions.DefaultVerdict"/> and not waited for;
/// the handler gets no further calls on that SMTP connection but its abort, close and disposal once it returns.
/// </remarks>
public interface IMilterHandler
{
    /// <summary>The client connected to the MTA. A final verdict here applies to the whole connection.</summary>
    ValueTask<MilterVerdict> OnConnectAsync(MilterContext context, ConnectionInfo connection, CancellationToken cancellationToken) =>
        new(MilterVerdict.Continue);

    /// <summary>HELO or EHLO; may come more than once per connection.</summary>
    ValueTask<MilterVerdict> OnHeloAsync(MilterContext context, string heloName, CancellationToken cancellationToken) =>
        new(MilterVerdict.Continue);

    /// <summary>MAIL FROM: a message starts.</summary>
    ValueTask<MilterVerdict> OnMailAsync(MilterContext context, Sender sender, CancellationToken cancellationToken) =>
        new(MilterVerdict.Continue);

    /// <summary>RCPT TO: one recipient. A reject or tempfail here refuses only this recipient.</summary>
    ValueTask<MilterVerdict> OnRcptAsync(MilterContext context, Recipient recipient, CancellationToken cancellationToken) =>
        new(MilterVerdict.Continue);

    /// <summary>The client sent DATA.</summary>
    ValueTask<MilterVerdict> OnDataAsync(MilterContext context, CancellationToken cancellationToken) =>
        new(MilterVerdict.Continue);

    /// <summary>One header field, in message order; folded lines are joined by bare LF. The field is valid only during the call.</summary>
    ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken) =>
        new(MilterVerdict.Continue);

    /// <summary>All headers have been sent.</summary>
    ValueTask<MilterVerdict> OnEndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken) =>
        new(MilterVerdict.Continue);

    /// <summary>One body chunk (CRLF line ends, not aligned to lines). The memory is valid only during the call.</summary>
    ValueTask<MilterVerdict> OnBodyChunkAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
        new(MilterVerdict.Continue);

    /// <summary>End of message: the only place to change the message, through <paramref name="message"/>.</summary>
    ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken) =>
        new(MilterVerdict.Continue);

    /// <summary>The current message was abandoned before end of message (by the MTA or by an early verdict).</summary>
    ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>The SMTP connection ended; release per-connection resources.</summary>
    ValueTask OnCloseAsync(MilterContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>An SMTP command the MTA did not recognise; the MTA refuses it anyway, the verdict only picks the error.</summary>
    ValueTask<MilterVerdict> OnUnknownAsync(MilterContext context, string command, CancellationToken cancellationToken) =>
        new(MilterVerdict.Continue);
}
