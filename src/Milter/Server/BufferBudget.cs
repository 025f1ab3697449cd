using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Runtime.InteropServices;

namespace Milter.Server;

/// <summary>
/// The memory all connections may hold for bytes received but not yet handled (mostly frames still arriving), shared
/// by the connections of one server. A connection that needs a buffer when the budget is spent is closed instead of
/// growing the process: the worst case is the budget, not connections × frame size. Buffers come from the shared
/// array pool and go back to it as soon as their bytes are consumed; an idle connection holds none.
/// </summary>
internal sealed class BufferBudget(long limit) : MemoryPool<byte>
{
    /// <summary>The size of one receive: what a socket read asks for once the MTA has sent something.</summary>
    public const int BlockSize = 16 * 1024;

    /// <summary>
    /// The smallest buffer the pipe takes: most receives are a few hundred bytes (a command, a few headers), and a
    /// connection in the middle of a message should not hold 16 KiB for them.
    /// </summary>
    public const int SegmentSize = 4 * 1024;

    /// <summary>The size of a receive buffer while the MTA streams (the last receive filled its buffer): fewer system calls.</summary>
    public const int StreamingBlockSize = 64 * 1024;

    private readonly ConcurrentDictionary<byte[], Task> _holds = new();

    // Never below the entries in _holds (counted before one is added, after one is removed), so that a buffer given back
    // looks into the dictionary only while something is held: ConcurrentDictionary.IsEmpty takes every lock when empty.
    private int _holdCount;

    // Block objects go round: a receive costs no allocation once as many exist as are ever in use at once.
    private readonly ConcurrentQueue<Block> _spareBlocks = new();

    // The block this thread gave back last: buffers are mostly given back and taken again on a loop thread, and the
    // shared queue's interlocked operations are then saved.
    [ThreadStatic] private static Block? t_spareBlock;
    private long _used;
    private ReceivePipe? _pipeOptions;

    /// <summary>The most bytes that may be held at once.</summary>
    public long Limit { get; } = limit;

    /// <summary>Bytes held now.</summary>
    public long Used => Interlocked.Read(ref _used);

    public override int MaxBufferSize => StreamingBlockSize;

    /// <exception cref="BudgetExhaustedException">The budget is spent.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        var array = ArrayPool<byte>.Shared.Rent(Math.Max(minBufferSize, SegmentSize));
        if (Interlocked.Add(ref _used, array.Length) > Limit)
        {
            Interlocked.Add(ref _used, -array.Length);
            ArrayPool<byte>.Shared.Return(array);
            throw new BudgetExhaustedException(Limit);
        }

        var block = t_spareBlock;
        if (block?.Owner == this)
            t_spareBlock = null;
        else if (!_spareBlocks.TryDequeue(out block))
            block = new Block(this);
        block.Attach(array);
        return block;
    }

    /// <summary>
    /// The receive pipe's options: buffers from this budget, and at most one frame and one receive buffer unread. One
    /// instance serves every connection (frame limits change only on reload).
    /// </summary>
    public PipeOptions PipeOptionsFor(int maxFrameLength)
    {
        if (Volatile.Read(ref _pipeOptions) is { } cached && cached.MaxFrameLength == maxFrameLength)
            return cached.Options;
        long mostUnread = (long)maxFrameLength + Protocol.MilterFrameReader.HeaderLength + StreamingBlockSize;
        var options = new PipeOptions(pool: this, minimumSegmentSize: SegmentSize,
            pauseWriterThreshold: mostUnread, resumeWriterThreshold: mostUnread / 2, useSynchronizationContext: false,
            readerScheduler: PipeScheduler.Inline);
        Volatile.Write(ref _pipeOptions, new ReceivePipe(maxFrameLength, options));
        return options;
    }

    private sealed record ReceivePipe(int MaxFrameLength, PipeOptions Options);

    /// <summary>
    /// Keeps the buffer behind <paramref name="memory"/> from going back to the pool before <paramref name="until"/>
    /// completes: a handler call that overran its limit may still read a frame's bytes after the session has moved on.
    /// The buffer still counts against the budget meanwhile.
    /// </summary>
    public void Hold(ReadOnlyMemory<byte> memory, Task until)
    {
        if (!MemoryMarshal.TryGetArray(memory, out var segment) || segment.Array is not { Length: > 0 } array)
            return;
        Interlocked.Increment(ref _holdCount);
        while (!_holds.TryAdd(array, until))
        {
            // Held already, for an earlier call: this hold takes that one's place, and its count.
            if (_holds.TryGetValue(array, out var earlier) && _holds.TryUpdate(array, until, earlier))
            {
                Interlocked.Decrement(ref _holdCount);
                break;
            }
        }

        // A copy (a frame that spanned buffers) is never given back, so nothing else takes its hold out: the call's end
        // does. Only this hold: the array may be back in the pool by then, and held again for another call.
        until.ContinueWith(static (_, state) =>
            {
                var (budget, hold) = ((BufferBudget, KeyValuePair<byte[], Task>))state!;
                if (budget._holds.TryRemove(hold))
                    Interlocked.Decrement(ref budget._holdCount);
            }, (this, KeyValuePair.Create(array, until)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Takes out the hold on <paramref name="array"/>, if there is one, as the buffer is given back.</summary>
    private bool TryTakeHold(byte[] array, [NotNullWhen(true)] out Task? until)
    {
        until = null;
        if (Volatile.Read(ref _holdCount) == 0 || !_holds.TryRemove(array, out until))
            return false;
        Interlocked.Decrement(ref _holdCount);
        return true;
    }

    /// <summary>How many buffers are held for calls still running.</summary>
    internal int HeldBuffers => _holds.Count;

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block(BufferBudget owner) : IMemoryOwner<byte>
    {
        public BufferBudget Owner => owner;

        private byte[]? _array;
        private int _disposed;

        public Memory<byte> Memory => _disposed == 0 && _array is { } bytes ? bytes : throw new ObjectDisposedException(nameof(Block));

        public void Attach(byte[] array) => (_array, _disposed) = (array, 0);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0 || _array is not { } bytes)
                return;
            if (owner.TryTakeHold(bytes, out var until) && !until.IsCompleted)
                until.ContinueWith(static (_, block) => ((Block)block!).ReturnArray(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            else
                ReturnArray();
        }

        private void ReturnArray()
        {
            var bytes = Interlocked.Exchange(ref _array, null);
            if (bytes is null)
                return;
            Interlocked.Add(ref owner._used, -bytes.Length);
            ArrayPool<byte>.Shared.Return(bytes);
            if (t_spareBlock is null)
                t_spareBlock = this;
            else
                owner._spareBlocks.Enqueue(this);
        }
    }
}

/// <summary>A connection needed a receive buffer while the server's <see cref="MilterServerOptions.MaxBufferedBytes"/> were all in use.</summary>
internal sealed class BudgetExhaustedException(long limit)
    : Exception($"the {limit / (1024 * 1024)} MiB all connections may hold for incoming frames are in use");
