using System.IO.Pipelines;
using System.Net.Sockets;
using Milter.Client;

namespace Milter.Testing.Tests.Support;

/// <summary>An MTA (a <see cref="MilterClient"/>) on a real socket that keeps a copy of every byte it sent and received.</summary>
internal sealed class TappedMta : IAsyncDisposable
{
    private readonly Tap _tap;

    private TappedMta(Tap tap, MilterClient client)
    {
        _tap = tap;
        Client = client;
    }

    public MilterClient Client { get; }

    public byte[] Sent => _tap.Copy(_tap.Sent);

    public byte[] Received => _tap.Copy(_tap.Received);

    public static async Task<TappedMta> ConnectAsync(string socketPath, MtaProfile profile)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        var tap = new Tap(new NetworkStream(socket, ownsSocket: true));
        return new TappedMta(tap, new MilterClient(new Pipe(PipeReader.Create(tap), PipeWriter.Create(tap)), profile));
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _tap.DisposeAsync();
    }

    private sealed record Pipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    /// <summary>Passes everything through to the stream it wraps and keeps a copy of each direction.</summary>
    private sealed class Tap(Stream inner) : Stream
    {
        public MemoryStream Sent { get; } = new();

        public MemoryStream Received { get; } = new();

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public byte[] Copy(MemoryStream direction)
        {
            lock (direction)
                return direction.ToArray();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var count = await inner.ReadAsync(buffer, cancellationToken);
            lock (Received)
                Received.Write(buffer.Span[..count]);
            return count;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (Sent)
                Sent.Write(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
