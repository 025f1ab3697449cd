using System.Net;

namespace Milter.Authentication;

/// <summary>
/// One message's share of DNS: every question asked through it ends by a deadline, after which the rest answer
/// <see cref="DnsResultCode.TemporaryFailure"/> at once. Keep the budget below the MTA's timeouts (Postfix waits 300 s
/// at end of message, the runtime's EndOfMessageTimeout is 4 min), so a message is tempfailed by us with a reason,
/// not dropped by the MTA. Dispose it when the message is done.
/// </summary>
public sealed class DnsBudget : IDnsResolver, IDisposable
{
    private readonly IDnsResolver _inner;
    private readonly CancellationTokenSource _deadline;
    private readonly TimeSpan _budget;
    private int _queries;

    /// <summary>Starts a budget of <paramref name="budget"/> over <paramref name="inner"/>.</summary>
    public DnsBudget(IDnsResolver inner, TimeSpan budget, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _budget = budget;
        _deadline = new CancellationTokenSource(budget, time ?? TimeProvider.System);
    }

    /// <summary>How many questions were asked through this budget.</summary>
    public int Queries => Volatile.Read(ref _queries);

    /// <summary>Whether the deadline has passed.</summary>
    public bool IsSpent => _deadline.IsCancellationRequested;

    /// <inheritdoc/>
    public ValueTask<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken = default) =>
        AskAsync((r, t) => r.TxtAsync(name, t), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<DnsAnswer<IPAddress>> AddressesAsync(string name, bool ipv6, CancellationToken cancellationToken = default) =>
        AskAsync((r, t) => r.AddressesAsync(name, ipv6, t), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<DnsAnswer<string>> MxAsync(string name, CancellationToken cancellationToken = default) =>
        AskAsync((r, t) => r.MxAsync(name, t), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken = default) =>
        AskAsync((r, t) => r.PtrAsync(address, t), cancellationToken);

    /// <summary>Stops the deadline's timer.</summary>
    public void Dispose() => _deadline.Dispose();

    private async ValueTask<DnsAnswer<T>> AskAsync<T>(Func<IDnsResolver, CancellationToken, ValueTask<DnsAnswer<T>>> ask, CancellationToken cancellationToken)
    {
        if (_deadline.IsCancellationRequested)
            return Spent<T>();
        Interlocked.Increment(ref _queries);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadline.Token);
        try
        {
            return await ask(_inner, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Spent<T>();
        }
    }

    private DnsAnswer<T> Spent<T>() => DnsAnswer<T>.Failed(DnsResultCode.TemporaryFailure, $"the message's DNS budget of {_budget.TotalSeconds:0.#} s is spent");
}
