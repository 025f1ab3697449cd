using Microsoft.Extensions.Logging;
using Milter;

namespace EventLogger;

/// <summary>
/// Logs every event with its data and decides nothing: the counterpart of pymilter's Milter.Milter sample.
/// Every handler returns void, so every step is negotiated as no-reply and the MTA never waits for it.
/// </summary>
[MailFilter("event-logger")]
public partial class EventLog(ILogger<EventLog> log)
{
    private long _bodyBytes;

    [OnConnect]
    public void Connect(ConnectionInfo client, [Macro("j")] string? mta) =>
        Log.Connect(log, client.HostName, client.Address, client.Port, client.Family.ToString(), mta);

    [OnHelo]
    public void Helo(string name) => Log.Helo(log, name);

    [OnMail]
    public void Mail(Sender sender, [Macro("{auth_authen}")] string? user) => Log.Mail(log, sender.RawAddress, string.Join(' ', sender.Arguments), user);

    [OnRcpt]
    public void Rcpt(Recipient recipient) => Log.Rcpt(log, recipient.RawAddress, string.Join(' ', recipient.Arguments));

    [OnData]
    public void Data([Macro("i")] string? queueId) => Log.Data(log, queueId);

    [OnHeader]
    public void Header(string name, string value) => Log.Header(log, name, value);

    [OnEndOfHeaders]
    public void EndOfHeaders() => Log.EndOfHeaders(log);

    [OnBody]
    public void Body(ReadOnlyMemory<byte> chunk) => _bodyBytes += chunk.Length;

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        Log.EndOfMessage(log, message.QueueId, _bodyBytes, message.Recipients.Count);
        _bodyBytes = 0;
        return MilterVerdict.Continue;
    }

    [OnAbort]
    public void Abort()
    {
        Log.Abort(log);
        _bodyBytes = 0;
    }

    [OnClose]
    public void Close(MilterContext context) => Log.Close(log, context.MessageCount);

    [OnUnknown]
    public void Unknown(string command) => Log.Unknown(log, command);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "connect {Host} [{Address}]:{Port} ({Family}) to {Mta}")]
        public static partial void Connect(ILogger logger, string host, string address, int port, string family, string? mta);

        [LoggerMessage(2, LogLevel.Information, "helo {Name}")]
        public static partial void Helo(ILogger logger, string name);

        [LoggerMessage(3, LogLevel.Information, "mail from {Sender} {Arguments} (authenticated as {User})")]
        public static partial void Mail(ILogger logger, string sender, string arguments, string? user);

        [LoggerMessage(4, LogLevel.Information, "rcpt to {Recipient} {Arguments}")]
        public static partial void Rcpt(ILogger logger, string recipient, string arguments);

        [LoggerMessage(5, LogLevel.Information, "data (queue id {QueueId})")]
        public static partial void Data(ILogger logger, string? queueId);

        [LoggerMessage(6, LogLevel.Information, "header {Name}: {Value}")]
        public static partial void Header(ILogger logger, string name, string value);

        [LoggerMessage(7, LogLevel.Information, "end of headers")]
        public static partial void EndOfHeaders(ILogger logger);

        [LoggerMessage(8, LogLevel.Information, "end of message {QueueId}: {BodyBytes} body bytes, {Recipients} recipients")]
        public static partial void EndOfMessage(ILogger logger, string? queueId, long bodyBytes, int recipients);

        [LoggerMessage(9, LogLevel.Information, "abort")]
        public static partial void Abort(ILogger logger);

        [LoggerMessage(10, LogLevel.Information, "close after {Messages} messages")]
        public static partial void Close(ILogger logger, int messages);

        [LoggerMessage(11, LogLevel.Information, "unknown command {Command}")]
        public static partial void Unknown(ILogger logger, string command);
    }
}
