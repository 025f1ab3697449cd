using System.Collections.Concurrent;

namespace Milter;

/// <summary>
/// Objects a session needs only while it works (a handler call, a message's changes), shared by all sessions: an idle
/// connection holds none, and a busy one allocates none once as many exist as are in use at once. At most
/// <see cref="Capacity"/> are kept, so a burst does not pin its peak for good.
/// </summary>
internal static class Spares<T>
    where T : class, new()
{
    public const int Capacity = 1024;

    private static readonly ConcurrentQueue<T> s_spares = new();
    private static int s_count;

    public static T Rent()
    {
        if (!s_spares.TryDequeue(out var item))
            return new T();
        Interlocked.Decrement(ref s_count);
        return item;
    }

    public static void Return(T item)
    {
        if (Interlocked.Increment(ref s_count) > Capacity)
        {
            Interlocked.Decrement(ref s_count);
            return;
        }

        s_spares.Enqueue(item);
    }
}
