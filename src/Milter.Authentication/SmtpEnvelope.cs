using System.Net;

namespace Milter.Authentication;

/// <summary>What SPF needs from the SMTP session: the client's address, its HELO name and the MAIL FROM address.</summary>
/// <param name="ClientAddress">The client's IP address, or null when unknown (SPF is then not checked).</param>
/// <param name="Helo">The HELO/EHLO name, or null.</param>
/// <param name="MailFrom">The MAIL FROM address (empty for the null sender), or null when unknown.</param>
public sealed record SmtpEnvelope(IPAddress? ClientAddress, string? Helo, string? MailFrom)
{
    /// <summary>
    /// The envelope the MTA told the milter: the connection, HELO and MAIL steps must not be switched off (give the
    /// filter handlers for them), or the values are unknown.
    /// </summary>
    public static SmtpEnvelope From(MilterContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new SmtpEnvelope(context.Connection?.IPAddress, context.HeloName, context.Sender?.Address);
    }
}
