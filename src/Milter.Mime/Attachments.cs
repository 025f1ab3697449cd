using System.IO.Compression;
using MimeKit;

namespace Milter.Mime;

/// <summary>Finds the files a message carries: attachment names, and the names inside attached zip archives.</summary>
public static class Attachments
{
    /// <summary>
    /// Lists every named part of the message (forwarded messages included) and, within <paramref name="limits"/>,
    /// the entries of zip archives, archives inside archives too.
    /// </summary>
    public static AttachmentScan Scan(MimeMessage message, ArchiveLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var scan = new Scanner(limits ?? new ArchiveLimits());
        scan.Visit(message.Body);
        return new AttachmentScan(scan.Files, scan.Problems);
    }

    /// <summary>The file name of a part, from Content-Disposition or Content-Type, without folders; null when it has none.</summary>
    public static string? FileNameOf(MimeEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        var name = entity.ContentDisposition?.FileName ?? entity.ContentType.Name;
        return string.IsNullOrWhiteSpace(name) ? null : BaseName(name);
    }

    private static string BaseName(string name) => name[(name.LastIndexOfAny(['/', '\\']) + 1)..];

    private sealed class Scanner(ArchiveLimits limits)
    {
        private long _bytesLeft = limits.MaxBytes;
        private int _entriesLeft = limits.MaxEntries;

        public List<AttachmentFile> Files { get; } = [];

        public List<ArchiveProblem> Problems { get; } = [];

        public void Visit(MimeEntity? entity)
        {
            switch (entity)
            {
                case Multipart multipart:
                    foreach (var child in multipart)
                        Visit(child);
                    break;
                case MessagePart forwarded:
                    if (FileNameOf(forwarded) is { } messageName)
                        Files.Add(new AttachmentFile(messageName, forwarded, []));
                    Visit(forwarded.Message?.Body);
                    break;
                case MimePart part:
                    VisitPart(part);
                    break;
            }
        }

        private void VisitPart(MimePart part)
        {
            var name = FileNameOf(part);
            if (name is not null)
                Files.Add(new AttachmentFile(name, part, []));
            if (part.Content is null || limits.MaxDepth < 1 || !LooksLikeZip(part, name))
                return;
            List<string> path = [name ?? "(unnamed archive)"];
            using var decoded = Unpack(output => part.Content.DecodeTo(output), part, path);
            if (decoded is not null)
                VisitArchive(decoded, part, path);
        }

        private void VisitArchive(SpillBuffer bytes, MimePart part, List<string> path)
        {
            try
            {
                using var stream = bytes.OpenRead();
                using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
                foreach (var entry in zip.Entries)
                {
                    if (entry.FullName.EndsWith('/'))
                        continue;
                    if (--_entriesLeft < 0)
                    {
                        Problems.Add(new ArchiveProblem(string.Join('/', path), part, $"more than {limits.MaxEntries} archive entries"));
                        return;
                    }

                    var name = BaseName(entry.FullName);
                    Files.Add(new AttachmentFile(name, part, [.. path]));
                    if (AttachmentFile.ExtensionOf(name) == "zip")
                        VisitNested(entry, part, [.. path, name]);
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                Problems.Add(new ArchiveProblem(string.Join('/', path), part, $"not a readable zip archive ({e.Message})"));
            }
        }

        private void VisitNested(ZipArchiveEntry entry, MimePart part, List<string> path)
        {
            if (path.Count > limits.MaxDepth)
            {
                Problems.Add(new ArchiveProblem(string.Join('/', path), part, $"archives nested more than {limits.MaxDepth} deep"));
                return;
            }

            if (entry.IsEncrypted)
            {
                Problems.Add(new ArchiveProblem(string.Join('/', path), part, "encrypted archive"));
                return;
            }

            using var inflated = Unpack(output =>
            {
                using var input = entry.Open();
                input.CopyTo(output);
            }, part, path);
            if (inflated is not null)
                VisitArchive(inflated, part, path);
        }

        // Decodes or inflates into a spill buffer within the byte budget; null (and a problem noted) when it cannot.
        private SpillBuffer? Unpack(Action<Stream> copy, MimePart part, List<string> path)
        {
            var buffer = new SpillBuffer(1024 * 1024, null);
            string problem;
            using (var output = buffer.OpenWrite())
            using (var bounded = new BoundedWriteStream(output, _bytesLeft))
            {
                try
                {
                    copy(bounded);
                    return buffer;
                }
                catch (LimitExceededException)
                {
                    problem = $"over the limit of {limits.MaxBytes} bytes opened to look into archives";
                }
                catch (Exception e) when (e is InvalidDataException or NotSupportedException)
                {
                    problem = $"damaged or unsupported archive ({e.Message})";
                }
                finally
                {
                    _bytesLeft -= bounded.Written;
                }
            }

            buffer.Dispose();
            Problems.Add(new ArchiveProblem(string.Join('/', path), part, problem));
            return null;
        }

        private static bool LooksLikeZip(MimePart part, string? name) =>
            (name is not null && AttachmentFile.ExtensionOf(name) == "zip")
            || part.ContentType.IsMimeType("application", "zip")
            || part.ContentType.IsMimeType("application", "x-zip-compressed")
            || part.ContentType.IsMimeType("application", "x-zip");
    }
}
