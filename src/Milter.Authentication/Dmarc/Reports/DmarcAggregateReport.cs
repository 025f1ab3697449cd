using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Xml;

namespace Milter.Authentication;

/// <summary>
/// DMARC aggregate reports (RFC 7489 7.2, the XML of its Appendix C): one per policy domain and period, the period's
/// entries grouped into rows of identical results with their count.
/// </summary>
public static class DmarcAggregateReport
{
    /// <summary>
    /// The reports for [<paramref name="begin"/>, <paramref name="end"/>) of the entries in <paramref name="store"/>,
    /// by policy domain: the XML of each, and the file name RFC 7489 7.2.1.1 gives it.
    /// </summary>
    public static async Task<IReadOnlyList<(string PolicyDomain, string FileName, string Xml)>> CreateAsync(IDmarcReportStore store, DmarcReporter reporter,
        DateTimeOffset begin, DateTimeOffset end, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var entries = new List<DmarcReportEntry>();
        await foreach (var entry in store.ReadAsync(begin, end, cancellationToken).ConfigureAwait(false))
            entries.Add(entry);
        return Create(entries, reporter, begin, end);
    }

    /// <summary>The reports of <paramref name="entries"/> (those in the period), by policy domain; see <see cref="CreateAsync"/>.</summary>
    public static IReadOnlyList<(string PolicyDomain, string FileName, string Xml)> Create(IEnumerable<DmarcReportEntry> entries, DmarcReporter reporter,
        DateTimeOffset begin, DateTimeOffset end)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(reporter);
        return entries.Where(e => e.Time >= begin && e.Time < end)
            .GroupBy(e => e.PolicyDomain, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, FileName(reporter, g.Key, begin, end), Write(reporter, g.Key, begin, end, g.ToList())))
            .ToList();
    }

    /// <summary><c>receiver!policy-domain!begin!end.xml</c> (RFC 7489 7.2.1.1), before it is compressed.</summary>
    public static string FileName(DmarcReporter reporter, string policyDomain, DateTimeOffset begin, DateTimeOffset end)
    {
        ArgumentNullException.ThrowIfNull(reporter);
        return $"{reporter.OrgName}!{policyDomain}!{begin.ToUnixTimeSeconds()}!{end.ToUnixTimeSeconds()}.xml";
    }

    private static string Write(DmarcReporter reporter, string policyDomain, DateTimeOffset begin, DateTimeOffset end, List<DmarcReportEntry> entries)
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, Encoding = Encoding.UTF8 }))
        {
            xml.WriteStartDocument();
            // Without a namespace, as reporters write it (RFC 7489's schema names one but qualifies none of its elements).
            xml.WriteStartElement("feedback");
            xml.WriteElementString("version", "1.0");
            xml.WriteStartElement("report_metadata");
            xml.WriteElementString("org_name", reporter.OrgName);
            xml.WriteElementString("email", reporter.Email);
            if (reporter.ExtraContactInfo is { } extra)
                xml.WriteElementString("extra_contact_info", extra);
            xml.WriteElementString("report_id", $"{policyDomain}.{begin.ToUnixTimeSeconds()}.{end.ToUnixTimeSeconds()}");
            xml.WriteStartElement("date_range");
            xml.WriteElementString("begin", Number(begin.ToUnixTimeSeconds()));
            xml.WriteElementString("end", Number(end.ToUnixTimeSeconds()));
            xml.WriteEndElement();
            xml.WriteEndElement();
            WritePolicy(xml, policyDomain, entries[^1].Published);
            foreach (var row in entries.GroupBy(RowKey, StringComparer.Ordinal))
                WriteRecord(xml, row.First(), row.Count());
            xml.WriteEndElement();
        }

        return text.ToString();
    }

    private static void WritePolicy(XmlWriter xml, string policyDomain, DmarcRecord published)
    {
        xml.WriteStartElement("policy_published");
        xml.WriteElementString("domain", policyDomain);
        xml.WriteElementString("adkim", published.StrictDkim ? "s" : "r");
        xml.WriteElementString("aspf", published.StrictSpf ? "s" : "r");
        xml.WriteElementString("p", Word(published.Policy));
        xml.WriteElementString("sp", Word(published.SubdomainPolicy));
        xml.WriteElementString("pct", Number(published.Percent));
        xml.WriteElementString("fo", published.FailureOptions);
        xml.WriteEndElement();
    }

    private static void WriteRecord(XmlWriter xml, DmarcReportEntry entry, int count)
    {
        xml.WriteStartElement("record");
        xml.WriteStartElement("row");
        xml.WriteElementString("source_ip", Address(entry.Source));
        xml.WriteElementString("count", Number(count));
        xml.WriteStartElement("policy_evaluated");
        xml.WriteElementString("disposition", Word(entry.Disposition));
        xml.WriteElementString("dkim", entry.DkimAligned ? "pass" : "fail");
        xml.WriteElementString("spf", entry.SpfAligned ? "pass" : "fail");
        if (entry.Override is { } reason)
        {
            xml.WriteStartElement("reason");
            xml.WriteElementString("type", reason);
            if (entry.OverrideComment is { } comment)
                xml.WriteElementString("comment", comment);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteStartElement("identifiers");
        xml.WriteElementString("envelope_from", entry.EnvelopeFrom);
        xml.WriteElementString("header_from", entry.HeaderFrom);
        xml.WriteEndElement();
        xml.WriteStartElement("auth_results");
        foreach (var (domain, selector, result) in entry.Dkim)
        {
            xml.WriteStartElement("dkim");
            xml.WriteElementString("domain", domain);
            if (selector is not null)
                xml.WriteElementString("selector", selector);
            xml.WriteElementString("result", result.ToKeyword());
            xml.WriteEndElement();
        }

        // The schema wants one SPF result at least: none when SPF was not checked.
        var (spfDomain, spfResult) = entry.Spf ?? (entry.EnvelopeFrom, AuthResult.None);
        xml.WriteStartElement("spf");
        xml.WriteElementString("domain", spfDomain);
        xml.WriteElementString("scope", "mfrom");
        xml.WriteElementString("result", spfResult.ToKeyword());
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    // Messages with the same row, identifiers and results are one record with a count.
    private static string RowKey(DmarcReportEntry e) => string.Join('|', Address(e.Source), e.Disposition, e.DkimAligned, e.SpfAligned, e.Override, e.OverrideComment,
        e.EnvelopeFrom, e.HeaderFrom, string.Join(',', e.Dkim.Select(d => $"{d.Domain}/{d.Selector}/{d.Result}")), e.Spf?.Domain, e.Spf?.Result);

    // IPv6 in eight groups: the schema's pattern has no "::".
    private static string Address(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        return string.Join(':', Enumerable.Range(0, 8).Select(i => ((bytes[2 * i] << 8) | bytes[(2 * i) + 1]).ToString("x", CultureInfo.InvariantCulture)));
    }

    private static string Word(DmarcPolicy policy) => policy switch
    {
        DmarcPolicy.Quarantine => "quarantine",
        DmarcPolicy.Reject => "reject",
        _ => "none",
    };

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
