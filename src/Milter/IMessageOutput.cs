namespace Milter;

/// <summary>What an end-of-message context needs from its session: sending PROGRESS at once, and flushing a long replacement body.</summary>
internal interface IMessageOutput
{
    /// <summary>Sends PROGRESS now (under the session's write lock).</summary>
    ValueTask SendProgressAsync(CancellationToken cancellationToken);

    /// <summary>Sends what is written so far; the caller holds the write lock.</summary>
    ValueTask FlushAsync();
}
