namespace Milter.Tests.Support;

/// <summary>A handler whose RCPT and end-of-message steps do what a test says (stall, block, ignore the token), and that notes every call.</summary>
internal sealed class StallingHandler : MilterHandler, IDisposable
{
    private readonly List<string> _calls = [];

    public Func<CancellationToken, ValueTask<MilterVerdict>>? Rcpt { get; init; }

    public Func<EndOfMessageContext, CancellationToken, ValueTask<MilterVerdict>>? EndOfMessage { get; init; }

    public Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask<MilterVerdict>>? Body { get; init; }

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_calls)
                return [.. _calls];
        }
    }

    /// <summary>A factory handing out this one handler, every step negotiated.</summary>
    public IMilterHandlerFactory Factory() =>
        MilterHandlerFactory.Create(new MilterDescription { Actions = Milter.ActionFlags.AddHeaders }, () => this);

    public override ValueTask<MilterVerdict> OnRcptAsync(MilterContext context, Recipient recipient, CancellationToken cancellationToken)
    {
        Note("rcpt");
        return Rcpt?.Invoke(cancellationToken) ?? Continue;
    }

    public override ValueTask<MilterVerdict> OnBodyChunkAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        Note("body");
        return Body?.Invoke(chunk, cancellationToken) ?? Continue;
    }

    public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        Note("eom");
        return EndOfMessage?.Invoke(message, cancellationToken) ?? Continue;
    }

    public override ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        Note("abort");
        return ValueTask.CompletedTask;
    }

    public override ValueTask OnCloseAsync(MilterContext context, CancellationToken cancellationToken)
    {
        Note("close");
        return ValueTask.CompletedTask;
    }

    public void Dispose() => Note("dispose");

    private void Note(string call)
    {
        lock (_calls)
            _calls.Add(call);
    }
}
