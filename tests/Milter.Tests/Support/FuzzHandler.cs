namespace Milter.Tests.Support;

/// <summary>
/// Answers each step at random (continue, a final verdict, skip, an exception) and checks the session's promises as it
/// is called: one call at a time, each message ended by exactly one end of message or abort, close last, then dispose.
/// </summary>
internal sealed class FuzzHandler(int seed) : IMilterHandler, IDisposable
{
    private static readonly MilterVerdict[] Answers =
    [
        MilterVerdict.Continue, MilterVerdict.Continue, MilterVerdict.Continue, MilterVerdict.Continue,
        MilterVerdict.Accept, MilterVerdict.Reject(), MilterVerdict.Tempfail(), MilterVerdict.Discard, MilterVerdict.Skip,
        MilterVerdict.Reject(550, "5.7.1", "no", "really not"),
    ];

    private readonly Random _random = new(seed);
    private int _inCall;
    private bool _inMessage;
    private bool _closed;
    private bool _disposed;

    /// <summary>The first broken promise, if any.</summary>
    public string? Violation { get; private set; }

    public ValueTask<MilterVerdict> OnConnectAsync(MilterContext context, ConnectionInfo connection, CancellationToken cancellationToken) => Step(false);

    public ValueTask<MilterVerdict> OnHeloAsync(MilterContext context, string heloName, CancellationToken cancellationToken) => Step(false);

    public ValueTask<MilterVerdict> OnMailAsync(MilterContext context, Sender sender, CancellationToken cancellationToken) => Step(true);

    public ValueTask<MilterVerdict> OnRcptAsync(MilterContext context, Recipient recipient, CancellationToken cancellationToken) => Step(true);

    public ValueTask<MilterVerdict> OnDataAsync(MilterContext context, CancellationToken cancellationToken) => Step(true);

    public ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken) => Step(true);

    public ValueTask<MilterVerdict> OnEndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken) => Step(true);

    public ValueTask<MilterVerdict> OnBodyChunkAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) => Step(true);

    public ValueTask<MilterVerdict> OnUnknownAsync(MilterContext context, string command, CancellationToken cancellationToken) => Step(false);

    public async ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            Check(_inMessage, "end of message outside a message");
            _inMessage = false;
            if (_random.Next(4) == 0)
                message.AddHeader("X-Fuzz", "1");
            if (_random.Next(8) == 0)
                await Task.Yield();
            return Answer();
        }
        finally
        {
            Exit();
        }
    }

    public ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        Enter();
        Check(_inMessage, "abort outside a message");
        _inMessage = false;
        Exit();
        return ValueTask.CompletedTask;
    }

    public ValueTask OnCloseAsync(MilterContext context, CancellationToken cancellationToken)
    {
        Enter();
        Check(!_inMessage, "close with a message still open");
        Check(!_closed, "closed twice");
        _closed = true;
        Exit();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        Check(_closed, "disposed before close");
        Check(!_disposed, "disposed twice");
        _disposed = true;
    }

    private ValueTask<MilterVerdict> Step(bool messageStep)
    {
        Enter();
        try
        {
            if (messageStep)
                _inMessage = true;
            if (_random.Next(12) == 0)
                throw new InvalidOperationException("fuzz");
            return ValueTask.FromResult(Answer());
        }
        finally
        {
            Exit();
        }
    }

    private MilterVerdict Answer() => Answers[_random.Next(Answers.Length)];

    private void Enter()
    {
        Check(!_closed && !_disposed, "called after close");
        Check(Interlocked.Increment(ref _inCall) == 1, "two calls at once");
    }

    private void Exit() => Interlocked.Decrement(ref _inCall);

    private void Check(bool condition, string problem)
    {
        if (!condition)
            Violation ??= problem;
    }
}
