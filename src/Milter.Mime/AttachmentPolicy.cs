using MimeKit;

namespace Milter.Mime;

/// <summary>
/// Replaces dangerous attachments with a short text notice ("defangs" them): files whose extension is blocked,
/// directly attached or inside zip archives at any depth within <see cref="ArchiveLimits"/>, and archives that
/// cannot be looked into (encrypted, damaged, a zip bomb) unless <see cref="AllowUnreadableArchives"/> is set.
/// </summary>
public sealed class AttachmentPolicy
{
    /// <summary>Extensions that run code on a click on Windows or macOS: the usual malware carriers.</summary>
    public static IReadOnlyList<string> DefaultBlockedExtensions { get; } =
    [
        "ade", "adp", "app", "appx", "bat", "chm", "cmd", "com", "cpl", "dll", "exe", "hta", "inf", "ins", "isp",
        "jar", "js", "jse", "lnk", "msc", "msi", "msix", "msp", "mst", "pif", "ps1", "psm1", "reg", "scr", "sct",
        "shb", "shs", "url", "vb", "vbe", "vbs", "wsc", "wsf", "wsh", "iso", "img", "vhd", "vhdx",
    ];

    /// <summary>The blocked extensions, without dots, compared case-insensitively. Starts as <see cref="DefaultBlockedExtensions"/>.</summary>
    public ISet<string> BlockedExtensions { get; } = new HashSet<string>(DefaultBlockedExtensions, StringComparer.OrdinalIgnoreCase);

    /// <summary>How far to look into archives.</summary>
    public ArchiveLimits ArchiveLimits { get; set; } = new();

    /// <summary>Keep archives that could not be looked into completely. Default false: what cannot be checked is removed.</summary>
    public bool AllowUnreadableArchives { get; set; }

    /// <summary>The text that replaces a removed attachment; {0} is its file name, {1} the reason.</summary>
    public string NoticeFormat { get; set; } = "The attachment \"{0}\" was removed by the mail filter: {1}.\r\n";

    /// <summary>Whether a file name has a blocked extension.</summary>
    public bool IsBlocked(string fileName) => BlockedExtensions.Contains(AttachmentFile.ExtensionOf(fileName));

    /// <summary>Replaces every dangerous attachment of <paramref name="message"/> with a notice; returns what was replaced.</summary>
    public IReadOnlyList<DefangedAttachment> Apply(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var scan = Attachments.Scan(message, ArchiveLimits);
        var reasons = new Dictionary<MimeEntity, string>(ReferenceEqualityComparer.Instance);
        foreach (var file in scan.Files)
        {
            if (IsBlocked(file.Name))
                reasons.TryAdd(file.Part, file.Archives.Count == 0 ? $".{file.Extension} files are not accepted" : $"it contains {file.Path}");
        }

        if (!AllowUnreadableArchives)
        {
            foreach (var problem in scan.Problems)
                reasons.TryAdd(problem.Part, $"{problem.Path} could not be checked: {problem.Reason}");
        }

        var defanged = new List<DefangedAttachment>();
        foreach (var (part, reason) in reasons)
        {
            var name = Attachments.FileNameOf(part) ?? "unnamed";
            if (MimeTree.Replace(message, part, Notice(name, reason)))
                defanged.Add(new DefangedAttachment(name, reason));
        }

        return defanged;
    }

    private TextPart Notice(string fileName, string reason)
    {
        var notice = new TextPart("plain");
        notice.SetText("utf-8", string.Format(System.Globalization.CultureInfo.InvariantCulture, NoticeFormat, fileName, reason));
        notice.ContentTransferEncoding = notice.GetBestEncoding(EncodingConstraint.SevenBit);
        notice.ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) { FileName = fileName + ".removed.txt" };
        return notice;
    }
}
