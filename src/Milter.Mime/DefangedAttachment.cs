namespace Milter.Mime;

/// <summary>An attachment <see cref="AttachmentPolicy"/> replaced with a notice.</summary>
/// <param name="FileName">The attachment's name (for an archive, the archive's).</param>
/// <param name="Reason">Why: the blocked file it carries (with its path inside archives), or the archive's problem.</param>
public sealed record DefangedAttachment(string FileName, string Reason);
