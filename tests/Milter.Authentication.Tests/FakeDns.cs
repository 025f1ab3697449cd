using System.Net;

namespace Milter.Authentication.Tests;

/// <summary>DNS answered from memory: records by name, names that fail (SERVFAIL), and a count of questions.</summary>
internal sealed class FakeDns : IDnsResolver
{
    private readonly Dictionary<string, List<string>> _txt = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<IPAddress>> _addresses = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<string>> _mx = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<string>> _ptr = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _failing = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _existing = new(StringComparer.OrdinalIgnoreCase);

    public int Questions { get; private set; }

    public List<string> Asked { get; } = [];

    public FakeDns Txt(string name, params string[] records) => Add(_txt, name, records);

    public FakeDns A(string name, params string[] addresses) => Add(_addresses, name, addresses.Select(IPAddress.Parse).ToArray());

    public FakeDns Mx(string name, params string[] hosts) => Add(_mx, name, hosts);

    public FakeDns Ptr(string address, params string[] names) => Add(_ptr, IPAddress.Parse(address).ToString(), names);

    /// <summary>Questions about <paramref name="name"/> end in a temporary failure (as SERVFAIL or a timeout).</summary>
    public FakeDns Failing(string name)
    {
        _failing.Add(name);
        return this;
    }

    public ValueTask<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken = default) => Answer(_txt, name);

    public ValueTask<DnsAnswer<IPAddress>> AddressesAsync(string name, bool ipv6, CancellationToken cancellationToken = default)
    {
        var answer = Answer(_addresses, name).Result;
        var records = answer.Records.Where(a => (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) == ipv6).ToList();
        return ValueTask.FromResult(answer.Code == DnsResultCode.Success ? DnsAnswer<IPAddress>.Of(records) : answer);
    }

    public ValueTask<DnsAnswer<string>> MxAsync(string name, CancellationToken cancellationToken = default) => Answer(_mx, name);

    public ValueTask<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken = default) => Answer(_ptr, address.ToString());

    private FakeDns Add<T>(Dictionary<string, List<T>> table, string name, T[] records)
    {
        if (!table.TryGetValue(name, out var list))
            table[name] = list = [];
        list.AddRange(records);
        _existing.Add(name);
        return this;
    }

    private ValueTask<DnsAnswer<T>> Answer<T>(Dictionary<string, List<T>> table, string name)
    {
        Questions++;
        Asked.Add(name);
        if (_failing.Contains(name))
            return ValueTask.FromResult(DnsAnswer<T>.Failed(DnsResultCode.TemporaryFailure, "SERVFAIL"));
        if (table.TryGetValue(name, out var records))
            return ValueTask.FromResult(DnsAnswer<T>.Of(records));
        return ValueTask.FromResult(DnsAnswer<T>.Failed(_existing.Contains(name) ? DnsResultCode.NoData : DnsResultCode.NameError));
    }
}
