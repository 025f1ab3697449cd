namespace Milter.Authentication;

/// <summary>What a domain asks receivers to do with mail that fails DMARC (p=, sp=).</summary>
public enum DmarcPolicy
{
    /// <summary>Deliver as usual (p=none, or no policy).</summary>
    None,

    /// <summary>Treat as suspicious: spam folder, quarantine (p=quarantine).</summary>
    Quarantine,

    /// <summary>Refuse (p=reject).</summary>
    Reject,
}
