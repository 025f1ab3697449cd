using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Milter.Protocol;
using Milter.Server;

namespace Milter.Client;

/// <summary>
/// The MTA side of the protocol over any connection: negotiates, sends each step with its macros, and reads the
/// milter's answers. It honours what the milter negotiated: steps switched off are not sent, no-reply steps are
/// not waited for, and the body stops after SKIP. One instance per milter connection; not thread-safe.
/// </summary>
public sealed partial class MilterClient : IAsyncDisposable
{
    private readonly MilterWire _wire;

    /// <summary>Creates a client over an existing connection (for example an in-memory pipe to a session).</summary>
    public MilterClient(IDuplexPipe connection, MtaProfile? profile = null, TimeSpan? timeout = null)
        : this(connection, null, null, profile, timeout)
    {
    }

    private MilterClient(IDuplexPipe connection, IAsyncDisposable? owned, string? address, MtaProfile? profile, TimeSpan? timeout)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Profile = profile ?? MtaProfile.Full;
        Timeout = timeout ?? TimeSpan.FromSeconds(30);
        _wire = new MilterWire(connection, owned, address, Timeout);
    }

    /// <summary>The MTA this client imitates.</summary>
    public MtaProfile Profile { get; }

    /// <summary>How long to wait for each answer.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The milter's negotiation reply, once <see cref="NegotiateAsync"/> has run.</summary>
    public OptionNegotiation? Negotiated { get; private set; }

    /// <summary>
    /// Called for each PROGRESS the milter sends while an answer is awaited, before the wait goes on: a relay passes it on
    /// to its own MTA there, so that MTA does not time out. PROGRESS at end of message is also counted in its answer.
    /// </summary>
    public Func<CancellationToken, ValueTask>? OnProgress { get; set; }

    /// <summary>Connects to a milter at <c>inet:PORT@HOST</c>, <c>inet6:PORT@HOST</c> or <c>unix:/path</c>.</summary>
    public static async Task<MilterClient> ConnectAsync(string address, MtaProfile? profile = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var endPoint = MilterAddress.Parse(address).EndPoint;
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var stream = new NetworkStream(socket, ownsSocket: true);
        return new MilterClient(MilterWire.Over(stream), stream, address, profile, timeout);
    }

    /// <summary>Sends the profile's offer and reads the milter's reply, checking it is within the offer.</summary>
    public async Task<OptionNegotiation> NegotiateAsync(CancellationToken cancellationToken = default)
    {
        Profile.Offer.WriteTo(_wire.Output);
        await _wire.FlushAsync(cancellationToken).ConfigureAwait(false);
        var response = await ReadAsync("OPTNEG", cancellationToken).ConfigureAwait(false);
        if (response is not NegotiationResponse { Negotiation: var reply })
            throw new MilterClientException($"The milter answered OPTNEG with {response.Code} instead of its negotiation reply.");
        if (reply.Version > Profile.Offer.Version || reply.Version < 2)
            throw new MilterClientException($"The milter asks for protocol version {reply.Version}; the offer was {Profile.Offer.Version}.");
        if ((reply.Actions & ~Profile.Offer.Actions) != 0)
            throw new MilterClientException($"The milter asks for actions the MTA did not offer: {reply.Actions & ~Profile.Offer.Actions}.");
        Negotiated = reply;
        return reply;
    }

    /// <summary>CONNECT. Returns the milter's answer, or null when the step is switched off or no-reply.</summary>
    public Task<MilterResponse?> ConnectAsync(string hostName, ConnectionFamily family, ushort port, string? address,
        IEnumerable<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        StepAsync(MilterCommandCode.Connect, macros, ProtocolFlags.NoConnect, ProtocolFlags.NoReplyConnect,
            w => MtaCommandWriter.WriteConnect(w, hostName, family, port, address), cancellationToken);

    /// <summary>HELO.</summary>
    public Task<MilterResponse?> HeloAsync(string heloName, IEnumerable<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        StepAsync(MilterCommandCode.Helo, macros, ProtocolFlags.NoHelo, ProtocolFlags.NoReplyHelo, w => MtaCommandWriter.WriteHelo(w, heloName), cancellationToken);

    /// <summary>MAIL with ESMTP arguments.</summary>
    public Task<MilterResponse?> MailAsync(string sender, IReadOnlyList<string>? arguments = null, IEnumerable<KeyValuePair<string, string>>? macros = null,
        CancellationToken cancellationToken = default) =>
        StepAsync(MilterCommandCode.Mail, macros, ProtocolFlags.NoMail, ProtocolFlags.NoReplyMail, w => MtaCommandWriter.WriteMail(w, sender, arguments), cancellationToken);

    /// <summary>RCPT with ESMTP arguments.</summary>
    public Task<MilterResponse?> RcptAsync(string recipient, IReadOnlyList<string>? arguments = null, IEnumerable<KeyValuePair<string, string>>? macros = null,
        CancellationToken cancellationToken = default) =>
        StepAsync(MilterCommandCode.Rcpt, macros, ProtocolFlags.NoRcpt, ProtocolFlags.NoReplyRcpt, w => MtaCommandWriter.WriteRcpt(w, recipient, arguments), cancellationToken);

    /// <summary>DATA (protocol version 4 and later).</summary>
    public Task<MilterResponse?> DataAsync(IEnumerable<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        Negotiated is { Version: < 4 }
            ? Task.FromResult<MilterResponse?>(null)
            : StepAsync(MilterCommandCode.Data, macros, ProtocolFlags.NoData, ProtocolFlags.NoReplyData, w => MtaCommandWriter.WriteSimple(w, MilterCommandCode.Data), cancellationToken);

    /// <summary>One HEADER; the value as the MTA sends it (without the leading space unless HDR_LEADSPC, folding with bare LF).</summary>
    public Task<MilterResponse?> HeaderAsync(string name, string value, IEnumerable<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        StepAsync((byte)MilterCommandCode.Header, macros, ProtocolFlags.NoHeaders, ProtocolFlags.NoReplyHeader,
            w => MtaCommandWriter.WriteHeader(w, name, value), cancellationToken, macroFor: (byte)'L');

    /// <summary>EOH.</summary>
    public Task<MilterResponse?> EndOfHeadersAsync(IEnumerable<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        StepAsync(MilterCommandCode.EndOfHeaders, macros, ProtocolFlags.NoEndOfHeaders, ProtocolFlags.NoReplyEndOfHeaders,
            w => MtaCommandWriter.WriteSimple(w, MilterCommandCode.EndOfHeaders), cancellationToken);

    /// <summary>The body in chunks of at most 65535 bytes; stops after SKIP or a final answer other than CONTINUE, and returns that answer.</summary>
    public async Task<MilterResponse?> BodyAsync(ReadOnlyMemory<byte> body, IEnumerable<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        while (!body.IsEmpty)
        {
            var chunk = body[..Math.Min(body.Length, MtaCommandWriter.BodyChunkLength)];
            body = body[chunk.Length..];
            var answer = await StepAsync((byte)MilterCommandCode.Body, macros, ProtocolFlags.NoBody, ProtocolFlags.NoReplyBody,
                w => MtaCommandWriter.WriteBody(w, chunk.Span), cancellationToken, macroFor: (byte)'B').ConfigureAwait(false);
            if (answer is not null && answer.Code != MilterResponseCode.Continue)
                return answer;
        }

        return null;
    }

    /// <summary>UNKNOWN (protocol version 3 and later).</summary>
    public Task<MilterResponse?> UnknownAsync(string commandLine, CancellationToken cancellationToken = default) =>
        StepAsync(MilterCommandCode.Unknown, null, ProtocolFlags.NoUnknown, ProtocolFlags.NoReplyUnknown, w => MtaCommandWriter.WriteUnknown(w, commandLine), cancellationToken);

    /// <summary>BODYEOB: collects the changes and the final verdict (PROGRESS packets are counted).</summary>
    public async Task<EndOfMessageAnswer> EndOfMessageAsync(IEnumerable<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        await SendMacrosAsync((byte)MilterCommandCode.EndOfBody, macros, cancellationToken).ConfigureAwait(false);
        MtaCommandWriter.WriteSimple(_wire.Output, MilterCommandCode.EndOfBody);
        await _wire.FlushAsync(cancellationToken).ConfigureAwait(false);
        var actions = new List<MilterResponse>();
        var progress = 0;
        while (true)
        {
            var response = await ReadAsync("BODYEOB", cancellationToken).ConfigureAwait(false);
            if (response.Code == MilterResponseCode.Progress)
            {
                progress++;
                await ProgressedAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (response.IsModification)
                actions.Add(response);
            else if (response.IsFinal && response.Code != MilterResponseCode.Skip)
                return new EndOfMessageAnswer(actions, response, progress);
            else
                throw new MilterClientException($"The milter answered BODYEOB with {response.Code}, which is not allowed there.");
        }
    }

    /// <summary>ABORT: the current message is abandoned.</summary>
    public Task AbortAsync(CancellationToken cancellationToken = default) => SendSimpleAsync(MilterCommandCode.Abort, cancellationToken);

    /// <summary>QUIT_NC: end this SMTP session but keep the connection; CONNECT comes next.</summary>
    public Task QuitNewConnectionAsync(CancellationToken cancellationToken = default)
    {
        _connected = false; // the next message starts a new SMTP session: CONNECT and HELO again
        return SendSimpleAsync(MilterCommandCode.QuitNewConnection, cancellationToken);
    }

    /// <summary>QUIT.</summary>
    public Task QuitAsync(CancellationToken cancellationToken = default) => SendSimpleAsync(MilterCommandCode.Quit, cancellationToken);

    /// <summary>Closes the connection.</summary>
    public ValueTask DisposeAsync() => _wire.DisposeAsync();

    private Task<MilterResponse?> StepAsync(MilterCommandCode command, IEnumerable<KeyValuePair<string, string>>? macros, ProtocolFlags off,
        ProtocolFlags noReply, Action<IBufferWriter<byte>> write, CancellationToken cancellationToken) =>
        StepAsync((byte)command, macros, off, noReply, write, cancellationToken, (byte)command);

    private async Task<MilterResponse?> StepAsync(byte command, IEnumerable<KeyValuePair<string, string>>? macros, ProtocolFlags off,
        ProtocolFlags noReply, Action<IBufferWriter<byte>> write, CancellationToken cancellationToken, byte macroFor)
    {
        var negotiated = Negotiated ?? throw new InvalidOperationException("Negotiate first.");
        await SendMacrosAsync(macroFor, macros, cancellationToken).ConfigureAwait(false);
        if ((negotiated.Protocol & off) != 0)
            return null;
        write(_wire.Output);
        await _wire.FlushAsync(cancellationToken).ConfigureAwait(false);
        if ((negotiated.Protocol & noReply) != 0)
        {
            await _wire.ThrowIfAnsweredAsync(command).ConfigureAwait(false);
            return null;
        }

        while (true)
        {
            var response = await ReadAsync(MilterFrame.Describe(command), cancellationToken).ConfigureAwait(false);
            if (response.Code == MilterResponseCode.Progress)
            {
                await ProgressedAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!response.IsFinal)
                throw new MilterClientException($"The milter sent {response.Code} in answer to {MilterFrame.Describe(command)}; message changes are only allowed after BODYEOB.");
            return response;
        }
    }

    private Task<MilterResponse> ReadAsync(string waitingFor, CancellationToken cancellationToken) =>
        _wire.ReadAsync(waitingFor, first: Negotiated is null, cancellationToken);

    private ValueTask ProgressedAsync(CancellationToken cancellationToken) => OnProgress?.Invoke(cancellationToken) ?? ValueTask.CompletedTask;

    private async Task SendMacrosAsync(byte forCommand, IEnumerable<KeyValuePair<string, string>>? macros, CancellationToken cancellationToken)
    {
        var list = macros?.Where(m => m.Value is not null).ToList();
        if ((list is null || list.Count == 0) && !Profile.SendsEmptyMacros)
            return;
        MtaCommandWriter.WriteMacros(_wire.Output, forCommand, list ?? []);
        await _wire.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task SendSimpleAsync(MilterCommandCode command, CancellationToken cancellationToken)
    {
        MtaCommandWriter.WriteSimple(_wire.Output, command);
        await _wire.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

}
