namespace Milter;

/// <summary>
/// A time limit for one wait at a time, reused wait after wait: a source linked to the session's abort, re-armed for
/// each wait and reset after it, replaced only once it fired. A field of the session (a struct: nothing to allocate
/// until the first wait).
/// </summary>
internal struct Deadline
{
    private CancellationTokenSource? _source;

    /// <summary>Arms the limit for the next wait; the token also fires when <paramref name="abort"/> does.</summary>
    public CancellationToken Arm(TimeSpan limit, CancellationToken abort)
    {
        var source = _source ??= CancellationTokenSource.CreateLinkedTokenSource(abort);
        if (limit != Timeout.InfiniteTimeSpan)
            source.CancelAfter(limit);
        return source.Token;
    }

    /// <summary>
    /// Disarms the limit; false when it fired. A fired source cannot be reused: the next wait gets a new one, and this one
    /// is disposed once <paramref name="stillUsing"/> (a call left running with its token) is done.
    /// </summary>
    public bool Release(Task? stillUsing = null)
    {
        if (_source is not { } source || source.TryReset())
            return true;
        _source = null;
        if (stillUsing is null || stillUsing.IsCompleted)
            source.Dispose();
        else
            stillUsing.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Dispose(), source, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return false;
    }

    /// <summary>Ends the current wait now (from another thread); a source that went meanwhile has nothing left to end.</summary>
    public readonly void Cancel()
    {
        try
        {
            Volatile.Read(in _source)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _source?.Dispose();
        _source = null;
    }
}
