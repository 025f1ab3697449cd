using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Milter;

/// <summary>
/// Runs a session's handler calls, one at a time, and lets the session await each without allocating: the object is its
/// own work item and its own awaitable, reused call after call.
/// </summary>
/// <remarks>
/// A call ends in one of two ways, whichever comes first: the handler returns (its verdict or its exception is the
/// outcome), or the call's token fires (time limit, MTA gone, server abort) and the session is released at once with
/// <see cref="HandlerOutcome.Abandoned"/>. An abandoned call still runs; <see cref="Straggler"/> completes when it
/// returns, and the object is not used again, since its fields belong to that call until then.
/// <para>
/// Where a call runs (<see cref="Dispatch"/>): on the pool, unless the thread that started it can run it once nothing
/// waits on it. The socket's receive loop shows the session new bytes, and calls the session starts then are run by that
/// thread when the loop next waits for the MTA (<see cref="DeferringCalls"/>, <see cref="RunDeferred"/>); a call that
/// returns at once resumes its session on its own thread, whose next call runs there too. So a handler that returns at
/// once costs no hand-off and wakes no pool thread, while the session and the receive loop are both suspended, never on
/// the stack below a handler: a deadline that fires resumes the session on another thread, and the MTA's bytes are read
/// on another, while the handler keeps this one.
/// </para>
/// </remarks>
internal sealed class HandlerCall : IThreadPoolWorkItem, IValueTaskSource<HandlerOutcome>
{
    private const int Idle = 0;
    private const int Running = 1;
    private const int Answered = 2;
    private const int Abandoned = 3;

    private static readonly ContextCallback s_run = static state => ((HandlerCall)state!).Run();

    // This thread's calls: whether the receive loop is showing the session bytes (calls wait for its suspension), whether
    // a run of calls is under way, whether a call that returned at once is resuming its session (whose next call then
    // waits here instead of nesting deeper), and the call that waits.
    [ThreadStatic] private static bool t_deferring;
    [ThreadStatic] private static bool t_running;
    [ThreadStatic] private static bool t_handingOff;
    [ThreadStatic] private static HandlerCall? t_next;

    private readonly Action _onReturned;
    private readonly BlockingGuard.Slot _guard = new();
    private ManualResetValueTaskSourceCore<HandlerOutcome> _core;
    private int _state;
    private int _waiting; // 1 from the start until the session's await or an abandon takes the call to run it
    private IMilterHandler? _handler;
    private MilterContext? _context;
    private MilterSteps _step;
    private StepArguments _arguments;
    private CancellationToken _token;
    private ExecutionContext? _flow;
    private ValueTask<MilterVerdict> _pending;
    private TaskCompletionSource? _straggler;

    public HandlerCall() => _onReturned = OnReturned;

    /// <summary>Completes when an abandoned call finally returns; null until a call is abandoned.</summary>
    public Task? Straggler => _straggler?.Task;

    /// <summary>
    /// Calls the handler for <paramref name="step"/> once the session awaits the result (where: <see cref="Dispatch"/>).
    /// The outcome is read with one await, which must follow at once; then the object is ready for the next call, unless
    /// the outcome was <see cref="HandlerOutcome.Abandoned"/>.
    /// </summary>
    /// <param name="handler">The handler to call.</param>
    /// <param name="context">Its context.</param>
    /// <param name="step">Which of its methods.</param>
    /// <param name="arguments">The step's subject or bytes.</param>
    /// <param name="flow">
    /// What the call runs under: the connection's logging scope and the message's activity (work items queued this way
    /// carry no execution context of their own).
    /// </param>
    /// <param name="token">The handler's token. Its source abandons the call once it names it (<see cref="Deadline.Call"/>).</param>
    public ValueTask<HandlerOutcome> StartAsync(IMilterHandler handler, MilterContext context, MilterSteps step, in StepArguments arguments,
        ExecutionContext? flow, CancellationToken token)
    {
        if (_state != Idle)
            throw new InvalidOperationException("A handler call is already in progress or was abandoned.");
        if (token.IsCancellationRequested)
            return new(HandlerOutcome.Abandoned);
        (_handler, _context, _step, _arguments, _flow, _token) = (handler, context, step, arguments, flow, token);
        _core.Reset();
        _waiting = 1;
        Interlocked.Exchange(ref _state, Running);
        // The token's source abandons the call it names (Deadline.Call); one that fired before this call ran finds it too
        // early to abandon it, so the call looks itself, after it is running.
        if (token.IsCancellationRequested)
            Abandon();
        return new(this, _core.Version);
    }

    /// <summary>
    /// Set by the socket's receive loop around the flush that shows the session new bytes: a call the session starts then
    /// waits for <see cref="RunDeferred"/>, when the loop itself waits.
    /// </summary>
    public static bool DeferringCalls
    {
        set => t_deferring = value;
    }

    /// <summary>
    /// Runs the call left to this thread, if any, and then each next call of its session that a returning call hands
    /// over; the caller (the receive loop) has suspended itself, so nothing runs below them on this stack.
    /// </summary>
    public static void RunDeferred()
    {
        if (t_next is not { } call || t_running)
            return;
        t_running = true;
        try
        {
            for (; call is not null; call = t_next)
            {
                t_next = null;
                ((IThreadPoolWorkItem)call).Execute();
            }
        }
        finally
        {
            (t_running, t_next) = (false, null);
        }
    }

    /// <summary>The receive loop ended without waiting again: the call left to this thread goes to the pool.</summary>
    public static void QueueDeferred()
    {
        if (t_next is { } call && !t_running)
        {
            t_next = null;
            ThreadPool.UnsafeQueueUserWorkItem(call, preferLocal: true);
        }
    }

    /// <summary>
    /// Runs a call the session now awaits: left to this thread when it will run it once nothing waits on it (the receive
    /// loop's bytes, or a call's return, resumed the session here), otherwise queued to the pool.
    /// </summary>
    private static void Dispatch(HandlerCall call)
    {
        if ((t_handingOff || t_deferring) && t_next is null)
            t_next = call;
        else
            ThreadPool.UnsafeQueueUserWorkItem(call, preferLocal: true);
    }

    void IThreadPoolWorkItem.Execute()
    {
        if (_flow is { } flow)
            ExecutionContext.Run(flow, s_run, this);
        else
            Run();
    }

    private void Run()
    {
        BlockingGuard.Enter(_guard);
        try
        {
            _pending = Invoke(_handler!, _context!);
        }
        catch (Exception e)
        {
            _pending = ValueTask.FromException<MilterVerdict>(e);
        }
        finally
        {
            BlockingGuard.Exit(_guard);
        }

        if (_pending.IsCompleted)
            Returned(atOnce: true);
        else
            _pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onReturned);
    }

    private ValueTask<MilterVerdict> Invoke(IMilterHandler handler, MilterContext context) => _step switch
    {
        MilterSteps.Connect => handler.OnConnectAsync(context, _arguments.Connection, _token),
        MilterSteps.Helo => handler.OnHeloAsync(context, _arguments.HeloName, _token),
        MilterSteps.Mail => handler.OnMailAsync(context, _arguments.Sender, _token),
        MilterSteps.Rcpt => handler.OnRcptAsync(context, _arguments.Recipient, _token),
        MilterSteps.Data => handler.OnDataAsync(context, _token),
        MilterSteps.Header => handler.OnHeaderAsync(context, _arguments.Header, _token),
        MilterSteps.EndOfHeaders => handler.OnEndOfHeadersAsync(context, _token),
        MilterSteps.Body => handler.OnBodyChunkAsync(context, _arguments.Chunk, _token),
        MilterSteps.Unknown => handler.OnUnknownAsync(context, _arguments.UnknownCommand, _token),
        MilterSteps.EndOfMessage => handler.OnEndOfMessageAsync(_arguments.Message, _token),
        MilterSteps.Abort => Continue(handler.OnAbortAsync(context, _token)),
        MilterSteps.Close => CloseAsync(handler, context, _arguments.AbortFirst, _token),
        _ => throw new ArgumentOutOfRangeException(nameof(_step), _step, "not a handler step"),
    };

    private void OnReturned() => Returned(atOnce: false);

    private void Returned(bool atOnce)
    {
        HandlerOutcome outcome;
        try
        {
            outcome = HandlerOutcome.Returned(_pending.GetAwaiter().GetResult());
        }
        catch (Exception e)
        {
            outcome = HandlerOutcome.Threw(e);
        }

        _pending = default;
        if (Interlocked.CompareExchange(ref _state, Answered, Running) == Running)
        {
            // The session resumes here; its next call is handed to this thread's run when the call came from it.
            t_handingOff = atOnce && t_running;
            try
            {
                _core.SetResult(outcome);
            }
            finally
            {
                t_handingOff = false;
            }
        }
        else
            Volatile.Read(ref _straggler)!.TrySetResult();
    }

    /// <summary>
    /// The token fired first: the session goes on without this call (on a pool thread, not the canceller's). Called by the
    /// token's source and perhaps by the call itself; the first of them acts.
    /// </summary>
    public void Abandon()
    {
        // Written before the state changes, so a call that returns after the change finds it.
        var straggler = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _straggler, straggler, null) is not null)
            return;
        // Not awaited yet: the call was never run, and an abandoned call still runs (its straggler waits for it).
        if (Interlocked.Exchange(ref _waiting, 0) == 1)
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        if (Interlocked.CompareExchange(ref _state, Abandoned, Running) == Running)
            ThreadPool.UnsafeQueueUserWorkItem(static call => call._core.SetResult(HandlerOutcome.Abandoned), this, preferLocal: false);
        else
            _straggler = null;
    }

    HandlerOutcome IValueTaskSource<HandlerOutcome>.GetResult(short token)
    {
        var outcome = _core.GetResult(token);
        if (outcome.IsAbandoned)
            return outcome; // the call, perhaps not even started yet, still needs its fields
        (_handler, _context, _arguments, _flow, _token) = (null, null, default, null, default);
        _state = Idle;
        return outcome;
    }

    ValueTaskSourceStatus IValueTaskSource<HandlerOutcome>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<HandlerOutcome>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        _core.OnCompleted(continuation, state, token, flags);
        if (Interlocked.Exchange(ref _waiting, 0) == 1)
            Dispatch(this);
    }

    private static ValueTask<MilterVerdict> Continue(ValueTask call) =>
        call.IsCompletedSuccessfully ? new(MilterVerdict.Continue) : ContinueAfterAsync(call);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<MilterVerdict> ContinueAfterAsync(ValueTask call)
    {
        await call.ConfigureAwait(false);
        return MilterVerdict.Continue;
    }

    /// <summary>The end of an SMTP connection: the abort the open message is owed, the close, and the disposal, whatever fails.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<MilterVerdict> CloseAsync(IMilterHandler handler, MilterContext context, bool abortFirst, CancellationToken token)
    {
        try
        {
            if (abortFirst)
                await handler.OnAbortAsync(context, token).ConfigureAwait(false);
            await handler.OnCloseAsync(context, token).ConfigureAwait(false);
        }
        finally
        {
            await DisposeAsync(handler).ConfigureAwait(false);
        }

        return MilterVerdict.Continue;
    }

    /// <summary>Disposes a handler that is disposable.</summary>
    public static async ValueTask DisposeAsync(IMilterHandler handler)
    {
        if (handler is IAsyncDisposable asyncDisposable)
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        else if (handler is IDisposable disposable)
            disposable.Dispose();
    }
}

/// <summary>How a handler call ended: a verdict, an exception, or abandoned by the session.</summary>
internal readonly struct HandlerOutcome
{
    private HandlerOutcome(MilterVerdict verdict, Exception? error, bool abandoned) => (Verdict, Error, IsAbandoned) = (verdict, error, abandoned);

    /// <summary>The call was left running: its token fired first.</summary>
    public static HandlerOutcome Abandoned { get; } = new(default, null, true);

    public MilterVerdict Verdict { get; }

    public Exception? Error { get; }

    public bool IsAbandoned { get; }

    public static HandlerOutcome Returned(MilterVerdict verdict) => new(verdict, null, false);

    public static HandlerOutcome Threw(Exception error) => new(default, error, false);
}
