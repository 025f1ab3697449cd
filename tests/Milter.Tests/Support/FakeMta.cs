using System.Buffers;
using System.IO.Pipelines;
using Milter.Protocol;

namespace Milter.Tests.Support;

/// <summary>Plays the MTA over an in-memory connection to a <see cref="MilterSession"/>, one packet at a time.</summary>
internal sealed class FakeMta : IAsyncDisposable
{
    private readonly IDuplexPipe _pipe;
    private readonly MilterFrameReader _reader = new(FrameSource.Milter);

    private FakeMta(IDuplexPipe pipe, Task session)
    {
        _pipe = pipe;
        Session = session;
    }

    public Task Session { get; }

    public static FakeMta Start(IMilterHandlerFactory factory, MilterSessionOptions? options = null, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        var connection = new InMemoryConnection();
        // A scripted MTA is neither Postfix nor Sendmail; header actions are checked as written (Postfix's meaning).
        var session = new MilterSession(factory, options ?? new MilterSessionOptions { Mta = MtaKind.Postfix }, logger);
        return new FakeMta(connection.MtaSide, Task.Run(() => session.RunAsync(connection.MilterSide)));
    }

    public static FakeMta Start(MilterSession session)
    {
        var connection = new InMemoryConnection();
        return new FakeMta(connection.MtaSide, Task.Run(() => session.RunAsync(connection.MilterSide)));
    }

    /// <summary>Connects to a milter over a real socket.</summary>
    public static async Task<FakeMta> ConnectAsync(System.Net.EndPoint endPoint)
    {
        var socket = endPoint is System.Net.Sockets.UnixDomainSocketEndPoint
            ? new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified)
            : new System.Net.Sockets.Socket(endPoint.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        var stream = new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        var pipe = new StreamDuplex(PipeReader.Create(stream), PipeWriter.Create(stream));
        return new FakeMta(pipe, Task.CompletedTask);
    }

    private sealed record StreamDuplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    /// <summary>Postfix 3.7's and Sendmail 8.17's offer.</summary>
    public static OptionNegotiation FullOffer => new(6, ActionFlags.All, ProtocolFlags.All);

    public async Task SendAsync(Action<IBufferWriter<byte>> write)
    {
        write(_pipe.Output);
        await _pipe.Output.FlushAsync();
    }

    public Task SendAsync(MilterCommandCode command) => SendAsync(w => MtaCommandWriter.WriteSimple(w, command));

    public Task SendMacrosAsync(char forCommand, params (string Name, string Value)[] macros) =>
        SendAsync(w => MtaCommandWriter.WriteMacros(w, (byte)forCommand, macros.Select(m => KeyValuePair.Create(m.Name, m.Value))));

    public async Task<OptionNegotiation> NegotiateAsync(OptionNegotiation? offer = null)
    {
        await SendAsync((offer ?? FullOffer).WriteTo);
        var reply = Assert.IsType<NegotiationResponse>(await ReadAsync());
        return reply.Negotiation;
    }

    /// <summary>Reads the next response; fails after 5 seconds.</summary>
    public async Task<MilterResponse> ReadAsync()
    {
        return await TryReadAsync(TimeSpan.FromSeconds(5)) ?? throw new Xunit.Sdk.XunitException("The milter sent no response within 5 s.");
    }

    /// <summary>Reads the next response, or null when none arrives within <paramref name="wait"/> or the milter closed.</summary>
    public async Task<MilterResponse?> TryReadAsync(TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _pipe.Input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (IOException)
            {
                return null; // reset by the milter: closed too
            }

            var buffer = result.Buffer;
            if (_reader.TryRead(buffer, out var frame, out var consumed))
            {
                var response = MilterResponse.Parse(new MilterFrame(frame.Command, frame.Payload.ToArray()));
                _pipe.Input.AdvanceTo(consumed);
                return response;
            }

            _pipe.Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
                return null;
        }
    }

    /// <summary>Reads responses up to and including the next final one.</summary>
    public async Task<List<MilterResponse>> ReadUntilFinalAsync()
    {
        var responses = new List<MilterResponse>();
        do
            responses.Add(await ReadAsync());
        while (!responses[^1].IsFinal);
        return responses;
    }

    public async Task AssertSilentAsync(int milliseconds = 150)
    {
        var response = await TryReadAsync(TimeSpan.FromMilliseconds(milliseconds));
        Assert.Null(response);
    }

    /// <summary>Closes the MTA's side (EOF) and waits for the session to end.</summary>
    public async Task CloseAsync()
    {
        await _pipe.Output.CompleteAsync();
        await Session.WaitAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>Waits for the milter to close its side; true when it did within the time.</summary>
    public async Task<bool> MilterClosedAsync(int milliseconds = 2000)
    {
        try
        {
            await Session.WaitAsync(TimeSpan.FromMilliseconds(milliseconds));
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _pipe.Output.CompleteAsync();
        try
        {
            await Session.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }
    }
}
