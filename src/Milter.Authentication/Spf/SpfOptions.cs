namespace Milter.Authentication;

/// <summary>The processing limits of RFC 7208 4.6.4; the defaults are the RFC's.</summary>
public sealed class SpfOptions
{
    /// <summary>Terms that cause DNS queries (include, a, mx, ptr, exists, redirect) in one check, recursion included (10).</summary>
    public int MaxDnsLookups { get; set; } = 10;

    /// <summary>DNS queries that find no records ("void lookups") in one check (2).</summary>
    public int MaxVoidLookups { get; set; } = 2;

    /// <summary>MX names one mx term may have (10); more is permerror.</summary>
    public int MaxMxNames { get; set; } = 10;

    /// <summary>PTR names looked at by one ptr term or %{p} (10); the rest are ignored.</summary>
    public int MaxPtrNames { get; set; } = 10;

    /// <summary>The receiving host's name, for %{r} in explanations ("unknown" when not set).</summary>
    public string ReceivingHost { get; set; } = "unknown";

    /// <summary>The clock for %{t}.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;
}
