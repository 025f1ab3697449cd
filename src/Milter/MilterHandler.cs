namespace Milter;

/// <summary>
/// A convenient base for hand-written handlers: every step continues unless overridden, like pymilter's
/// <c>Milter.Base</c>. Remember to describe the steps you override in your <see cref="MilterDescription"/>.
/// </summary>
public abstract class MilterHandler : IMilterHandler
{
    /// <inheritdoc />
    public virtual ValueTask<MilterVerdict> OnConnectAsync(MilterContext context, ConnectionInfo connection, CancellationToken cancellationToken) => Continue;

    /// <inheritdoc />
    public virtual ValueTask<MilterVerdict> OnHeloAsync(MilterContext context, string heloName, CancellationToken cancellationToken) => Continue;

    /// <inheritdoc />
    public virtual ValueTask<MilterVerdict> OnMailAsync(MilterContext context, Sender sender, CancellationToken cancellationToken) => Continue;

    /// <inheritdoc />
    public virtual ValueTask<MilterVerdict> OnRcptAsync(MilterContext context, Recipient recipient, CancellationToken cancellationToken) => Continue;

    /// <inheritdoc />
    public virtual ValueTask<MilterVerdict> OnDataAsync(MilterContext context, CancellationToken cancellationToken) => Continue;

    /// <inheritdoc />
    public virtual ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken) => Continue;

    /// <inheritdoc />
    public virtual ValueTask<MilterVerdict> OnEndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken) => Continue;

    /// <inheritdoc />
    public virtual ValueTask<MilterVerdict> OnBodyChunkAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) => Continue;

    /// <inheritdoc />
    public virtual ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken) => Continue;

    /// <inheritdoc />
    public virtual ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public virtual ValueTask OnCloseAsync(MilterContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public virtual ValueTask<MilterVerdict> OnUnknownAsync(MilterContext context, string command, CancellationToken cancellationToken) => Continue;

    /// <summary>A completed CONTINUE, for overrides that decide nothing.</summary>
    protected static ValueTask<MilterVerdict> Continue => ValueTask.FromResult(MilterVerdict.Continue);
}
