namespace AuthMilter;

/// <summary>
/// The "AuthMilter" configuration section, named after OpenDKIM's opendkim.conf settings where one exists
/// (Mode, Domain, Selector, KeyFile, KeyTable, SigningTable, MultipleSignatures, Canonicalization, InternalHosts,
/// AuthservID, Nameservers).
/// </summary>
public sealed class AuthSettings
{
    /// <summary>"s" signs, "v" verifies, "sv" both: mail from <see cref="InternalHosts"/> or an authenticated client is signed, the rest verified.</summary>
    public string Mode { get; set; } = "sv";

    /// <summary>The authserv-id of Authentication-Results; fields claiming it that arrive with a message are removed.</summary>
    public string AuthservId { get; set; } = "localhost";

    /// <summary>Domains signed with <see cref="KeyFile"/> under <see cref="Selector"/> (OpenDKIM's Domain, Selector, KeyFile).</summary>
    public List<string> Domain { get; set; } = [];

    /// <summary>The selector of <see cref="KeyFile"/>.</summary>
    public string Selector { get; set; } = "";

    /// <summary>The private key for <see cref="Domain"/>, relative to the binary's folder or absolute.</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>An OpenDKIM KeyTable file (NAME DOMAIN:SELECTOR:KEYPATH), used with <see cref="SigningTable"/> instead of the three above.</summary>
    public string KeyTable { get; set; } = "";

    /// <summary>An OpenDKIM SigningTable file (PATTERN NAME, wildcards as with refile:).</summary>
    public string SigningTable { get; set; } = "";

    /// <summary>Sign with every matching SigningTable line, not only the first (one RSA and one Ed25519 key, say).</summary>
    public bool MultipleSignatures { get; set; }

    /// <summary>
    /// Refuse to start when a private key can be read or written by other users, or sits in a folder they can write
    /// (OpenDKIM's RequireSafeKeys); false only logs a warning for each.
    /// </summary>
    public bool RequireSafeKeys { get; set; } = true;

    /// <summary>HEADER/BODY canonicalization of new signatures: relaxed or simple.</summary>
    public string Canonicalization { get; set; } = "relaxed/simple";

    /// <summary>Clients whose mail is signed, not verified: addresses or networks (CIDR).</summary>
    public List<string> InternalHosts { get; set; } = ["127.0.0.1", "::1"];

    /// <summary>DNS servers (ADDRESS or ADDRESS:PORT); empty: the system's.</summary>
    public List<string> Nameservers { get; set; } = [];

    /// <summary>How long one DNS attempt waits.</summary>
    public TimeSpan DnsTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one message may spend on DNS; below the MTA's end-of-message timeout.</summary>
    public TimeSpan DnsBudget { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The public suffix list for DMARC (Debian's publicsuffix package).</summary>
    public string PublicSuffixList { get; set; } = Milter.Authentication.PublicSuffixList.DebianPath;

    /// <summary>
    /// ARC sealers (ARC-Seal d= domains: mailing lists, forwarders) whose word is trusted: a DMARC failure is not acted
    /// on when the ARC chain passes and one of them recorded dmarc=pass (RFC 8617 7.2.1); A-R says policy.arc-override.
    /// </summary>
    public List<string> TrustedArcSealers { get; set; } = [];

    /// <summary>
    /// Where each DMARC result that a domain's record covers is kept for aggregate reports (OpenDMARC's HistoryFile), one
    /// JSON line a message; empty: none kept. <c>AuthMilter dmarc-report DAY [FOLDER]</c> writes the reports of a day.
    /// </summary>
    public string DmarcHistoryFile { get; set; } = "";

    /// <summary>The reporting organization named in aggregate reports (org_name); the AuthservId when empty.</summary>
    public string DmarcReportOrgName { get; set; } = "";

    /// <summary>The contact address in aggregate reports (email); postmaster@AuthservId when empty.</summary>
    public string DmarcReportEmail { get; set; } = "";

    /// <summary>Act on DMARC: refuse mail whose domain says p=reject, quarantine p=quarantine (OpenDMARC's RejectFailures).</summary>
    public bool DmarcRejectFailures { get; set; } = true;
}
