using System.IO.Pipelines;
using System.Net.Sockets;

namespace Milter.Server;

/// <summary>
/// One accepted socket as the duplex pipe a session runs on, the way Kestrel's socket transport does it: a receive loop
/// fills the input pipe, so the connection notices the MTA closing or resetting even while a handler runs
/// (<see cref="Closed"/> fires, and the socket is not left in CLOSE-WAIT). It waits for data with a zero-byte read, so an
/// idle connection holds no buffer; buffers come from the server's <see cref="BufferBudget"/>, and one connection may
/// hold at most one frame and one receive buffer unread.
/// </summary>
internal sealed class SocketConnection : IDuplexPipe, IReceiveBufferOwner, IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly BufferBudget _budget;
    private readonly Pipe _input;
    private readonly CancellationTokenSource _closed = new();
    private readonly QuickAck _quickAck;
    private Task _receiving = Task.CompletedTask;

    public SocketConnection(Socket socket, BufferBudget budget, int maxFrameLength)
    {
        _socket = socket;
        _budget = budget;
        _quickAck = new QuickAck(socket);
        _input = new Pipe(budget.PipeOptionsFor(maxFrameLength));
        Output = new SocketPipeWriter(socket);
    }

    public PipeReader Input => _input.Reader;

    public PipeWriter Output { get; }

    /// <summary>Fires when the MTA closed or reset the connection, the receive buffer budget ran out, or <see cref="Abort"/>.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Why the receive loop ended early, for the log: null for a plain close by the MTA.</summary>
    public Exception? ReceiveError { get; private set; }

    public void Hold(ReadOnlyMemory<byte> memory, Task until) => _budget.Hold(memory, until);

    public void StartReceiving() => _receiving = ReceiveLoopAsync();

    /// <summary>Closes the socket now: the MTA sees the connection end, whatever the session is doing.</summary>
    public void Abort()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A forced stop can meet a connection that has just ended on its own.
        }

        _socket.Dispose();
    }

    /// <summary>
    /// Closes gracefully: the MTA gets a FIN, not a reset. (Disposing a socket with a receive still pending makes .NET
    /// abort it, and the MTA, or a relay between, would read "connection reset" after a clean QUIT.) Shutting both
    /// directions down first ends the pending receive, so the socket is closed with nothing outstanding.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset or closed: there is nothing left to close gracefully.
        }

        await _receiving.ConfigureAwait(false);
        Abort();
        _closed.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var writer = _input.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                // Wait for data before taking a buffer: an idle connection costs no buffer memory.
                _quickAck.Arm();
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                var received = await _socket.ReceiveAsync(writer.GetMemory(1), SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                    break;
                writer.Advance(received);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted)
                    break;
            }
        }
        catch (SocketException e)
        {
            error = new IOException(e.SocketErrorCode == SocketError.ConnectionReset ? "the MTA reset the connection" : e.Message, e);
        }
        catch (ObjectDisposedException)
        {
            error = new IOException("the connection was closed by the milter");
        }
        catch (BudgetExhaustedException e)
        {
            error = new IOException($"closed because {e.Message}", e);
        }

        ReceiveError = error;
        await writer.CompleteAsync(error).ConfigureAwait(false);
        await _closed.CancelAsync().ConfigureAwait(false);
    }
}
