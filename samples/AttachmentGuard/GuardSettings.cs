using Milter.Mime;

namespace AttachmentGuard;

/// <summary>The "AttachmentGuard" configuration section.</summary>
public sealed class GuardSettings
{
    /// <summary>Extensions blocked on top of <see cref="AttachmentPolicy.DefaultBlockedExtensions"/>.</summary>
    public List<string> ExtraBlockedExtensions { get; set; } = [];

    /// <summary>Remove scripts from HTML parts too.</summary>
    public bool RemoveHtmlScripts { get; set; } = true;

    /// <summary>Messages larger than this many bytes are held in an unnamed temporary file while checked.</summary>
    public long MemoryLimit { get; set; } = 1024 * 1024;

    /// <summary>Messages with more MIME parts than this are not parsed but answered by <see cref="OverLimit"/>.</summary>
    public int MaxParts { get; set; } = 1000;

    /// <summary>The answer for a message over <see cref="MaxParts"/>: Tempfail, Reject or Accept.</summary>
    public MimeLimitAction OverLimit { get; set; }

    /// <summary>How many zip archives deep to look.</summary>
    public int MaxArchiveDepth { get; set; } = 3;

    /// <summary>The policy these settings describe.</summary>
    public AttachmentPolicy CreatePolicy()
    {
        var policy = new AttachmentPolicy { ArchiveLimits = new ArchiveLimits { MaxDepth = MaxArchiveDepth } };
        foreach (var extension in ExtraBlockedExtensions)
            policy.BlockedExtensions.Add(extension.TrimStart('.'));
        return policy;
    }
}
