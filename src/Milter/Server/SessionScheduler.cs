using System.IO.Pipelines;

namespace Milter.Server;

/// <summary>
/// Where a session resumes when the receive loop hands it a read: a pool work item of its own, so the receive loop goes
/// back to the socket at once, and that work item also runs the read's handler calls once the session has unwound to it
/// (<see cref="HandlerCall.RunTakingCalls"/>): one hand-off per read instead of one per handler call, and a handler that
/// blocks never holds the receive loop.
/// </summary>
internal sealed class SessionScheduler : PipeScheduler
{
    public static SessionScheduler Instance { get; } = new();

    public override void Schedule(Action<object?> action, object? state) =>
        System.Threading.ThreadPool.UnsafeQueueUserWorkItem(Resume.Rent(action, state), preferLocal: true);

    /// <summary>One resumption as a work item; each thread keeps one spare, so a read allocates nothing.</summary>
    private sealed class Resume : IThreadPoolWorkItem
    {
        [ThreadStatic] private static Resume? t_spare;

        private Action<object?>? _action;
        private object? _state;

        public static Resume Rent(Action<object?> action, object? state)
        {
            var resume = t_spare ?? new Resume();
            t_spare = null;
            (resume._action, resume._state) = (action, state);
            return resume;
        }

        void IThreadPoolWorkItem.Execute()
        {
            var (action, state) = (_action!, _state);
            (_action, _state) = (null, null);
            t_spare = this; // emptied first: a read scheduled from here may take it at once
            HandlerCall.RunTakingCalls(action, state);
        }
    }
}
