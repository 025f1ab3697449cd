using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Milter.Client;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Limits;

/// <summary>A session with limits in front of a <see cref="RecordingHandler"/>, and <see cref="MilterClient"/> playing Postfix.</summary>
internal sealed class LimitTestRig : IAsyncDisposable
{
    private readonly Task _session;

    public LimitTestRig(MessageLimits limits, MilterDescription? description = null, Action<RecordingHandler>? setup = null,
        ILoggerFactory? loggers = null, MtaProfile? profile = null)
    {
        var factory = MilterHandlerFactory.Create(description ?? new MilterDescription(), () =>
        {
            var handler = new RecordingHandler(Calls);
            setup?.Invoke(handler);
            return handler;
        });
        var connection = new InMemoryConnection();
        // Without loggers the limits come in the session's options, as for a session made by hand; with them, on the factory.
        Session = loggers is null
            ? new MilterSession(factory, new MilterSessionOptions { Limits = limits, ProgressInterval = null })
            : new MilterSession(factory.WithLimits(limits, loggers), new MilterSessionOptions { Limits = limits, ProgressInterval = null });
        _session = Task.Run(() => Session.RunAsync(connection.MilterSide));
        Client = new MilterClient(connection.MtaSide, profile ?? MtaProfile.Postfix);
    }

    /// <summary>Every call the user's handler got, in order.</summary>
    public List<string> Calls { get; } = [];

    public MilterSession Session { get; }

    public MilterClient Client { get; }

    public Task<MessageOutcome> SendAsync(string message, string[]? recipients = null, string[]? mailArguments = null) =>
        Client.SendMessageAsync(new Envelope("sender@origin.test", recipients ?? ["rcpt@dest.test"]) { SenderArguments = mailArguments ?? [] },
            MailMessage.Parse(Encoding.ASCII.GetBytes(message)));

    /// <summary>The calls of the user's handler other than connect and HELO.</summary>
    public List<string> MessageCalls => [.. Calls.Where(c => !c.StartsWith("connect", StringComparison.Ordinal) && !c.StartsWith("helo", StringComparison.Ordinal))];

    /// <summary>Ends the connection (QUIT) and waits for the session: every call the MTA's commands caused has been made.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_session.IsCompleted)
            return;
        await Client.QuitAsync();
        await Client.DisposeAsync();
        await _session.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>A message of <paramref name="headerCount"/> 21-byte headers and exactly <paramref name="bodyBytes"/> body bytes, CRLF line ends.</summary>
    public static string Message(int headerCount = 3, int bodyBytes = 12)
    {
        var text = new StringBuilder();
        for (var i = 1; i <= headerCount; i++)
            text.Append(CultureInfo.InvariantCulture, $"X-Header-{i % 10}: value {i % 10}\r\n");
        text.Append("\r\n");
        var body = new StringBuilder();
        while (body.Length + 80 <= bodyBytes)
            body.Append('b', 78).Append("\r\n");
        var rest = bodyBytes - body.Length;
        if (rest >= 2)
            body.Append('c', rest - 2).Append("\r\n");
        else
            body.Append('c', rest);
        return text.Append(body).ToString();
    }

    /// <summary>The SMTP reply the milter sent, as text ("552 5.3.4 Message too big ...").</summary>
    public static string ReplyOf(MessageOutcome outcome) => ReplyOf(outcome.Verdict);

    public static string ReplyOf(MilterResponse response) =>
        response is ReplyCodeResponse { Reply: var reply } ? reply.ToWireText() : response.Code.ToString();
}
