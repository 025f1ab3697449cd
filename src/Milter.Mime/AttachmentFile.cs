using MimeKit;

namespace Milter.Mime;

/// <summary>A file in a message: an attachment, or an entry of an attached archive.</summary>
/// <param name="Name">The file name, without folders.</param>
/// <param name="Part">The MIME part that carries it: the attachment itself, or the archive attachment it is inside.</param>
/// <param name="Archives">The archives it is inside, outermost first (empty for an attachment).</param>
public sealed record AttachmentFile(string Name, MimeEntity Part, IReadOnlyList<string> Archives)
{
    /// <summary>Where the file is, for messages and logs: <c>outer.zip/inner.zip/name.exe</c>.</summary>
    public string Path => Archives.Count == 0 ? Name : string.Join('/', Archives) + "/" + Name;

    /// <summary>The file name extension without the dot, lower case; trailing dots and spaces (which Windows drops) ignored.</summary>
    public string Extension => ExtensionOf(Name);

    internal static string ExtensionOf(string name)
    {
        var trimmed = name.TrimEnd('.', ' ');
        var dot = trimmed.LastIndexOf('.');
        return dot < 0 ? string.Empty : trimmed[(dot + 1)..].ToLowerInvariant();
    }
}

/// <summary>An archive that could not be looked into completely, and why.</summary>
/// <param name="Path">The archive's path (see <see cref="AttachmentFile.Path"/>).</param>
/// <param name="Part">The MIME part that carries it.</param>
/// <param name="Reason">What went wrong: damaged, encrypted, too deep, over a limit.</param>
public sealed record ArchiveProblem(string Path, MimeEntity Part, string Reason);

/// <summary>The files found in a message by <see cref="Attachments.Scan"/>.</summary>
/// <param name="Files">Every attachment and archive entry, in message order.</param>
/// <param name="Problems">Archives that could not be looked into completely.</param>
public sealed record AttachmentScan(IReadOnlyList<AttachmentFile> Files, IReadOnlyList<ArchiveProblem> Problems);
