using System.Net;
using System.Net.Sockets;

namespace Milter.Authentication;

/// <summary>One check_host() run with its counters (RFC 7208 4.6.4), shared by its includes and redirects.</summary>
internal sealed class SpfEvaluation(SpfOptions options, IDnsResolver dns, IPAddress client, string sender, string localPart, string senderDomain, string helo, CancellationToken cancellationToken)
{
    private int _lookups;
    private int _voids;
    private List<string>? _validatedNames;

    private bool IPv6 => client.AddressFamily == AddressFamily.InterNetworkV6;

    public async Task<(AuthResult Result, string Reason, string? Explanation)> CheckHostAsync(string domain)
    {
        if (DnsNames.Problem(domain) is { } problem)
            return (AuthResult.None, problem, null);
        var answer = await dns.TxtAsync(domain, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
            throw new SpfException(AuthResult.TempError, $"SPF record of {domain}: {answer.Error}");
        var records = answer.Records.Where(SpfRecord.IsSpf).ToList();
        if (records.Count == 0)
            return (AuthResult.None, $"no SPF record at {domain}", null);
        if (records.Count > 1)
            throw new SpfException(AuthResult.PermError, $"{domain} has {records.Count} SPF records");
        var record = SpfRecord.Parse(records[0], out var error) ?? throw new SpfException(AuthResult.PermError, $"{domain}: {error}");
        var context = Context(domain);

        foreach (var term in record.Mechanisms)
        {
            if (term.QueriesDns)
                CountLookup();
            if (!await MatchesAsync(term, context).ConfigureAwait(false))
                continue;
            var result = term.MatchResult;
            var explanation = result == AuthResult.Fail && record.Explanation is { } exp ? await ExplainAsync(exp, context).ConfigureAwait(false) : null;
            return (result, $"{domain}: {term.Text} matched", explanation);
        }

        if (record.Redirect is { } redirect)
        {
            CountLookup();
            var target = await SpfMacro.ExpandAsync(redirect.DomainSpec!, context, explanation: false).ConfigureAwait(false);
            var redirected = await CheckHostAsync(target).ConfigureAwait(false);
            if (redirected.Result == AuthResult.None)
                throw new SpfException(AuthResult.PermError, $"{domain}: redirect to {target}, which has no SPF record");
            return redirected;
        }

        return (AuthResult.Neutral, $"{domain}: no mechanism matched", null);
    }

    private SpfContext Context(string domain) =>
        new(client, sender, localPart, senderDomain, domain, helo, options.ReceivingHost, options.Time.GetUtcNow(), () => ValidatedNameAsync(domain));

    // %{p}: a validated name in the domain if there is one, else any validated name, else "unknown" (RFC 7208 7.3).
    private async ValueTask<string> ValidatedNameAsync(string domain)
    {
        var names = await ValidatedNamesAsync().ConfigureAwait(false);
        return names.FirstOrDefault(n => n.Equals(domain, StringComparison.OrdinalIgnoreCase) || n.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase))
            ?? names.FirstOrDefault() ?? "unknown";
    }

    private async ValueTask<bool> MatchesAsync(SpfTerm term, SpfContext context)
    {
        switch (term.Kind)
        {
            case SpfTermKind.All:
                return true;
            case SpfTermKind.Ip4:
            case SpfTermKind.Ip6:
                return IPNetworks.Contains(term.Network!, term.Kind == SpfTermKind.Ip4 ? term.Prefix4 : term.Prefix6, client);
            case SpfTermKind.Include:
                var included = await CheckHostAsync(await TargetAsync(term, context).ConfigureAwait(false)).ConfigureAwait(false);
                return included.Result switch
                {
                    AuthResult.Pass => true,
                    AuthResult.None => throw new SpfException(AuthResult.PermError, $"{term.Text}: {included.Reason}"),
                    _ => false,
                };
            case SpfTermKind.A:
                var addresses = Found(await dns.AddressesAsync(await TargetAsync(term, context).ConfigureAwait(false), IPv6, cancellationToken).ConfigureAwait(false), term);
                return addresses.Any(a => InPrefix(a, term));
            case SpfTermKind.Mx:
                return await MatchesMxAsync(term, context).ConfigureAwait(false);
            case SpfTermKind.Ptr:
                var target = await TargetAsync(term, context).ConfigureAwait(false);
                return (await ValidatedNamesAsync().ConfigureAwait(false)).Any(name =>
                    name.Equals(target, StringComparison.OrdinalIgnoreCase) || name.EndsWith("." + target, StringComparison.OrdinalIgnoreCase));
            default:
                // exists: any A record, whatever the client's family (RFC 7208 5.7).
                return Found(await dns.AddressesAsync(await TargetAsync(term, context).ConfigureAwait(false), false, cancellationToken).ConfigureAwait(false), term).Count > 0;
        }
    }

    private async ValueTask<bool> MatchesMxAsync(SpfTerm term, SpfContext context)
    {
        var hosts = Found(await dns.MxAsync(await TargetAsync(term, context).ConfigureAwait(false), cancellationToken).ConfigureAwait(false), term);
        if (hosts.Count > options.MaxMxNames)
            throw new SpfException(AuthResult.PermError, $"{term.Text}: {hosts.Count} MX names, over {options.MaxMxNames}");
        foreach (var host in hosts)
        {
            var answer = await dns.AddressesAsync(host, IPv6, cancellationToken).ConfigureAwait(false);
            if (answer.IsTemporaryFailure)
                throw new SpfException(AuthResult.TempError, $"{term.Text}: {answer.Error}");
            if (answer.Records.Any(a => InPrefix(a, term)))
                return true;
        }

        return false;
    }

    // The client's names whose forward lookup gives the client's address back (RFC 7208 5.5); a DNS error is no name.
    private async ValueTask<List<string>> ValidatedNamesAsync()
    {
        if (_validatedNames is not null)
            return _validatedNames;
        _validatedNames = [];
        var names = await dns.PtrAsync(client, cancellationToken).ConfigureAwait(false);
        if (names.IsVoid)
            CountVoid("ptr");
        foreach (var name in names.Records.Take(options.MaxPtrNames))
        {
            var forward = await dns.AddressesAsync(name, IPv6, cancellationToken).ConfigureAwait(false);
            if (forward.Records.Any(a => a.Equals(client)))
                _validatedNames.Add(name);
        }

        return _validatedNames;
    }

    private async ValueTask<string> TargetAsync(SpfTerm term, SpfContext context) =>
        term.DomainSpec is null ? context.Domain : await SpfMacro.ExpandAsync(term.DomainSpec, context, explanation: false).ConfigureAwait(false);

    private IReadOnlyList<T> Found<T>(DnsAnswer<T> answer, SpfTerm term)
    {
        if (answer.IsTemporaryFailure)
            throw new SpfException(AuthResult.TempError, $"{term.Text}: {answer.Error}");
        if (answer.IsVoid)
            CountVoid(term.Text);
        return answer.Records;
    }

    private bool InPrefix(IPAddress address, SpfTerm term) =>
        IPNetworks.Contains(address, address.AddressFamily == AddressFamily.InterNetwork ? term.Prefix4 : term.Prefix6, client);

    private void CountLookup()
    {
        if (++_lookups > options.MaxDnsLookups)
            throw new SpfException(AuthResult.PermError, $"more than {options.MaxDnsLookups} DNS lookups");
    }

    private void CountVoid(string what)
    {
        if (++_voids > options.MaxVoidLookups)
            throw new SpfException(AuthResult.PermError, $"more than {options.MaxVoidLookups} void lookups (last: {what})");
    }

    // exp= (RFC 7208 6.2): best effort; any problem means no explanation, never a different result.
    private async ValueTask<string?> ExplainAsync(SpfTerm exp, SpfContext context)
    {
        try
        {
            var target = await SpfMacro.ExpandAsync(exp.DomainSpec!, context, explanation: false).ConfigureAwait(false);
            var answer = await dns.TxtAsync(target, cancellationToken).ConfigureAwait(false);
            if (answer.Records.Count != 1 || !SpfMacro.IsValidMacroString(answer.Records[0]))
                return null;
            return await SpfMacro.ExpandAsync(answer.Records[0], context, explanation: true).ConfigureAwait(false);
        }
        catch (SpfException)
        {
            return null;
        }
    }
}
