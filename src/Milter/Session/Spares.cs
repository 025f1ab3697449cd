using System.Collections.Concurrent;

namespace Milter;

/// <summary>
/// Objects a session needs only while it works (a handler call, a message's changes), shared by all sessions: an idle
/// connection holds none, and a busy one allocates none once as many exist as are in use at once. At most
/// <see cref="Capacity"/> are kept (and one per thread), so a burst does not pin its peak for good.
/// </summary>
internal static class Spares<T>
    where T : class, new()
{
    public const int Capacity = 1024;

    private static readonly ConcurrentQueue<T> s_spares = new();
    private static int s_count;

    // The one this thread gave back last: a session's thread mostly takes one back soon after, and the shared queue's
    // two interlocked operations a call are then saved (a handler call is rented and given back for every step).
    [ThreadStatic] private static T? t_last;

    public static T Rent()
    {
        if (t_last is { } last)
        {
            t_last = null;
            return last;
        }

        if (!s_spares.TryDequeue(out var item))
            return new T();
        Interlocked.Decrement(ref s_count);
        return item;
    }

    public static void Return(T item)
    {
        if (t_last is null)
        {
            t_last = item;
            return;
        }

        if (Interlocked.Increment(ref s_count) > Capacity)
        {
            Interlocked.Decrement(ref s_count);
            return;
        }

        s_spares.Enqueue(item);
    }
}
