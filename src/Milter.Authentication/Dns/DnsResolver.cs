using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace Milter.Authentication;

/// <summary>
/// <see cref="IDnsResolver"/> over UDP with TCP fallback (DnsClient), with a timeout per attempt and a cache that keeps
/// answers for their TTL. One instance serves the whole process; it is thread-safe. Failures become
/// <see cref="DnsResultCode.TemporaryFailure"/> answers, never exceptions; only the caller's own cancellation throws.
/// </summary>
public sealed class DnsResolver : IDnsResolver
{
    private readonly LookupClient _client;

    /// <summary>Creates a resolver with <paramref name="options"/> (defaults: the system's servers, 2 s, 2 attempts, cache on).</summary>
    public DnsResolver(DnsResolverOptions? options = null)
    {
        options ??= new DnsResolverOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Attempts, 1);
        var servers = options.ParseServers();
        var lookup = servers.Count == 0 ? new LookupClientOptions() : new LookupClientOptions(servers.ToArray());
        lookup.Timeout = options.Timeout;
        lookup.Retries = options.Attempts - 1;
        lookup.UseCache = options.UseCache;
        lookup.CacheFailedResults = options.UseCache;
        lookup.FailedResultsCacheDuration = options.FailedAnswerCacheDuration;
        lookup.MaximumCacheTimeout = options.MaximumCacheDuration;
        lookup.UseTcpFallback = true;
        lookup.ThrowDnsErrors = false;
        lookup.ContinueOnEmptyResponse = false;
        _client = new LookupClient(lookup);
    }

    /// <inheritdoc/>
    public async ValueTask<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken = default)
    {
        var (code, response, error) = await QueryAsync(name, QueryType.TXT, cancellationToken).ConfigureAwait(false);
        if (response is null)
            return DnsAnswer<string>.Failed(code, error);
        var records = new List<string>();
        foreach (var txt in response.Answers.TxtRecords())
            records.Add(string.Concat(txt.Text));
        return DnsAnswer<string>.Of(records);
    }

    /// <inheritdoc/>
    public async ValueTask<DnsAnswer<IPAddress>> AddressesAsync(string name, bool ipv6, CancellationToken cancellationToken = default)
    {
        var (code, response, error) = await QueryAsync(name, ipv6 ? QueryType.AAAA : QueryType.A, cancellationToken).ConfigureAwait(false);
        if (response is null)
            return DnsAnswer<IPAddress>.Failed(code, error);
        var records = new List<IPAddress>();
        foreach (var record in response.Answers)
        {
            if (record is AddressRecord address && address.Address.AddressFamily == (ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork))
                records.Add(address.Address);
        }

        return DnsAnswer<IPAddress>.Of(records);
    }

    /// <inheritdoc/>
    public async ValueTask<DnsAnswer<string>> MxAsync(string name, CancellationToken cancellationToken = default)
    {
        var (code, response, error) = await QueryAsync(name, QueryType.MX, cancellationToken).ConfigureAwait(false);
        if (response is null)
            return DnsAnswer<string>.Failed(code, error);
        var records = response.Answers.MxRecords().OrderBy(mx => mx.Preference).Select(mx => mx.Exchange.Value.TrimEnd('.')).ToList();
        return DnsAnswer<string>.Of(records);
    }

    /// <inheritdoc/>
    public async ValueTask<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var (code, response, error) = await QueryAsync(address.GetArpaName(), QueryType.PTR, cancellationToken).ConfigureAwait(false);
        if (response is null)
            return DnsAnswer<string>.Failed(code, error);
        var records = response.Answers.PtrRecords().Select(ptr => ptr.PtrDomainName.Value.TrimEnd('.')).ToList();
        return DnsAnswer<string>.Of(records);
    }

    private async ValueTask<(DnsResultCode Code, IDnsQueryResponse? Response, string? Error)> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (DnsNames.Problem(name) is { } problem)
            return (DnsResultCode.NameError, null, problem);
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (DnsResultCode.TemporaryFailure, null, $"{type} {name}: timed out");
        }
        catch (DnsResponseException e)
        {
            return (DnsResultCode.TemporaryFailure, null, $"{type} {name}: {e.DnsError}");
        }
        catch (Exception e) when (e is SocketException or IOException or ArgumentException or InvalidOperationException)
        {
            return (DnsResultCode.TemporaryFailure, null, $"{type} {name}: {e.Message}");
        }

        return response.Header.ResponseCode switch
        {
            DnsHeaderResponseCode.NoError when response.Header.ResultTruncated => (DnsResultCode.TemporaryFailure, null, $"{type} {name}: truncated answer"),
            DnsHeaderResponseCode.NoError => (response.Answers.Count == 0 ? DnsResultCode.NoData : DnsResultCode.Success, response, null),
            DnsHeaderResponseCode.NotExistentDomain => (DnsResultCode.NameError, null, $"{type} {name}: no such domain"),
            var other => (DnsResultCode.TemporaryFailure, null, $"{type} {name}: {other}"),
        };
    }
}
