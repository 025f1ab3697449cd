namespace Milter.Authentication;

/// <summary>The answer to one DNS question: how it ended, the records, and in words why it failed.</summary>
/// <typeparam name="T">The record data: <see cref="string"/> for TXT (the strings of one record joined), an
/// <see cref="System.Net.IPAddress"/> for A/AAAA, a host name for MX and PTR.</typeparam>
/// <param name="Code">How the question ended.</param>
/// <param name="Records">The records; empty unless <see cref="Code"/> is <see cref="DnsResultCode.Success"/>.</param>
/// <param name="Error">Why it failed (for logs and Authentication-Results comments), or null.</param>
public readonly record struct DnsAnswer<T>(DnsResultCode Code, IReadOnlyList<T> Records, string? Error = null)
{
    /// <summary>An answer with records.</summary>
    public static DnsAnswer<T> Of(IReadOnlyList<T> records) =>
        new(records.Count == 0 ? DnsResultCode.NoData : DnsResultCode.Success, records);

    /// <summary>An answer without records.</summary>
    public static DnsAnswer<T> Failed(DnsResultCode code, string? error = null) => new(code, [], error);

    /// <summary>Whether no answer could be had now (<see cref="DnsResultCode.TemporaryFailure"/>).</summary>
    public bool IsTemporaryFailure => Code == DnsResultCode.TemporaryFailure;

    /// <summary>Whether the name does not exist or has no such records (an SPF "void lookup").</summary>
    public bool IsVoid => Code is DnsResultCode.NameError or DnsResultCode.NoData;
}
