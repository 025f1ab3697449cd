using System.Net;
using Microsoft.Extensions.Logging;
using Milter;
using Milter.Authentication;
using Milter.Mime;
using MimeKit;

namespace AuthMilter;

/// <summary>
/// OpenDKIM and OpenDMARC in one filter: mail from inside (InternalHosts, or an authenticated client) is signed with
/// DKIM; other mail is checked (DKIM, ARC, SPF, DMARC), gets Authentication-Results at the top, and is refused or
/// quarantined when its domain's DMARC policy says so. One instance per SMTP connection.
/// </summary>
[MailFilter("auth-milter", HeaderLeadingSpace = true)]
public sealed partial class AuthFilter(AuthPolicy policy, ILogger<AuthFilter> log) : IDisposable
{
    // HDR_LEADSPC: the headers are captured byte for byte, as simple canonicalization needs.
    private readonly MessageCapture _message = new(new MessageCaptureOptions { HeaderLeadingSpace = true });
    private IPAddress? _client;
    private string? _helo;
    private string? _mailFrom;
    private bool _authenticated;
    private bool _smtpUtf8;

    [OnConnect]
    public void Connect(ConnectionInfo connection) => _client = connection.IPAddress;

    [OnHelo]
    public void Helo(string name) => _helo = name;

    [OnMail]
    public void Mail(Sender sender, [Macro("{auth_authen}")] string? user)
    {
        _mailFrom = sender.Address;
        _authenticated = !string.IsNullOrEmpty(user);
        // Only a message sent with SMTPUTF8 may carry UTF-8 in a header (RFC 6531, 6532).
        _smtpUtf8 = sender.GetArgument("SMTPUTF8") is not null;
    }

    [OnHeader]
    public void Header(string name, string value) => _message.AddHeader(name, value);

    [OnBody]
    public void Body(ReadOnlyMemory<byte> chunk) => _message.AddBody(chunk.Span);

    [OnAbort]
    public void Abort() => _message.Clear();

    [OnEndOfMessage]
    public async Task<MilterVerdict> End(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        try
        {
            if (_message.OverLimitVerdict is { } overLimit)
                return overLimit;
            var mime = _message.Message;
            var from = mime.From.Mailboxes.FirstOrDefault()?.Address;
            var keys = policy.Signs && from is not null && (_authenticated || policy.IsInternal(_client)) ? policy.KeysFor(from) : [];
            if (keys.Count > 0)
            {
                foreach (var signature in policy.Signer.Sign(mime, keys))
                    message.InsertAtTop(signature);
                return MilterVerdict.Accept;
            }

            return policy.Verifies ? await VerifyAsync(message, mime, cancellationToken) : MilterVerdict.Accept;
        }
        finally
        {
            _message.Clear();
        }
    }

    public void Dispose() => _message.Dispose();

    private async Task<MilterVerdict> VerifyAsync(EndOfMessageContext message, MimeMessage mime, CancellationToken cancellationToken)
    {
        var authservId = policy.Settings.AuthservId;
        message.RemoveClaimedResults(mime, authservId);
        var report = await policy.Authenticator.VerifyAsync(mime, new SmtpEnvelope(_client, _helo, _mailFrom), cancellationToken);
        message.InsertAtTop(new Header("Authentication-Results", report.ToHeaderValue(authservId, _smtpUtf8)));
        Log.Checked(log, message.QueueId, report.Dkim.Count, report.Dmarc?.Result.ToKeyword(), report.Dmarc?.FromDomain is { } domain ? DomainName.ToUnicode(domain) : "-");
        await KeepForReportsAsync(message.QueueId, report, cancellationToken);
        if (!policy.Settings.DmarcRejectFailures || report.Dmarc is not { Result: AuthResult.Fail } dmarc)
            return MilterVerdict.Accept;
        switch (dmarc.Disposition)
        {
            case DmarcPolicy.Reject:
                return MilterVerdict.Reject(550, "5.7.1", $"Rejected by DMARC policy for {dmarc.FromDomain}");
            case DmarcPolicy.Quarantine:
                message.Quarantine($"DMARC policy for {dmarc.FromDomain}");
                return MilterVerdict.Accept;
            default:
                return MilterVerdict.Accept;
        }
    }

    // A history that cannot be written costs the report, never the mail.
    private async Task KeepForReportsAsync(string? queueId, AuthenticationReport report, CancellationToken cancellationToken)
    {
        if (policy.History is not { } history || _client is not { } client || DmarcReportEntry.From(report, client, DateTimeOffset.UtcNow) is not { } entry)
            return;
        try
        {
            await history.AddAsync(entry, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.HistoryFailed(log, queueId, history.Path, e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3, LogLevel.Warning, "{QueueId}: DMARC history {Path} not written: {Error}")]
        public static partial void HistoryFailed(ILogger logger, string? queueId, string path, string error);

        [LoggerMessage(1, LogLevel.Information, "{QueueId}: {Signatures} DKIM signature(s) checked, DMARC {Dmarc} for {FromDomain}")]
        public static partial void Checked(ILogger logger, string? queueId, int signatures, string? dmarc, string fromDomain);
    }
}
