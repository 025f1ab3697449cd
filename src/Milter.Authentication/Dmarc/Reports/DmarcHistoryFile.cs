using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Milter.Authentication;

/// <summary>
/// An <see cref="IDmarcReportStore"/> in one file, one JSON object a line, appended as messages are checked (as
/// OpenDMARC's HistoryFile): it survives restarts, and a line a crash cut short is skipped when read. Thread-safe within
/// one process; rotate it (or write a new path each day) as reports are sent.
/// </summary>
public sealed class DmarcHistoryFile(string path) : IDmarcReportStore, IDisposable
{
    private readonly SemaphoreSlim _append = new(1, 1);

    /// <summary>The file.</summary>
    public string Path { get; } = path ?? throw new ArgumentNullException(nameof(path));

    /// <inheritdoc/>
    public async ValueTask AddAsync(DmarcReportEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var line = Serialize(entry);
        await _append.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            // A line a crash cut short is ended first, so it costs only itself.
            if (file.Length > 0)
            {
                file.Seek(-1, SeekOrigin.End);
                if (file.ReadByte() != '\n')
                    file.WriteByte((byte)'\n');
            }

            file.Seek(0, SeekOrigin.End);
            await file.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _append.Release();
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<DmarcReportEntry> ReadAsync(DateTimeOffset begin, DateTimeOffset end, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path))
            yield break;
        using var reader = new StreamReader(new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (Deserialize(line) is { } entry && entry.Time >= begin && entry.Time < end)
                yield return entry;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _append.Dispose();

    private static byte[] Serialize(DmarcReportEntry entry)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("t", entry.Time.ToUnixTimeSeconds());
            json.WriteString("ip", entry.Source.ToString());
            json.WriteString("from", entry.HeaderFrom);
            json.WriteString("mfrom", entry.EnvelopeFrom);
            json.WriteString("domain", entry.PolicyDomain);
            json.WriteString("p", entry.Published.Policy.ToString());
            json.WriteString("sp", entry.Published.SubdomainPolicy.ToString());
            json.WriteNumber("pct", entry.Published.Percent);
            json.WriteBoolean("adkim_s", entry.Published.StrictDkim);
            json.WriteBoolean("aspf_s", entry.Published.StrictSpf);
            json.WriteString("fo", entry.Published.FailureOptions);
            json.WriteString("disposition", entry.Disposition.ToString());
            json.WriteBoolean("dkim_aligned", entry.DkimAligned);
            json.WriteBoolean("spf_aligned", entry.SpfAligned);
            json.WriteString("override", entry.Override);
            json.WriteString("comment", entry.OverrideComment);
            json.WriteStartArray("dkim");
            foreach (var (domain, selector, result) in entry.Dkim)
            {
                json.WriteStartObject();
                json.WriteString("d", domain);
                json.WriteString("s", selector);
                json.WriteString("result", result.ToKeyword());
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (entry.Spf is { } spf)
            {
                json.WriteStartObject("spf");
                json.WriteString("d", spf.Domain);
                json.WriteString("result", spf.Result.ToKeyword());
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static DmarcReportEntry? Deserialize(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var e = document.RootElement;
            var published = new DmarcRecord(Enum.Parse<DmarcPolicy>(e.GetProperty("p").GetString()!), Enum.Parse<DmarcPolicy>(e.GetProperty("sp").GetString()!),
                e.GetProperty("pct").GetInt32(), e.GetProperty("adkim_s").GetBoolean(), e.GetProperty("aspf_s").GetBoolean())
            {
                FailureOptions = e.GetProperty("fo").GetString()!,
            };
            var dkim = e.GetProperty("dkim").EnumerateArray()
                .Select(d => (d.GetProperty("d").GetString()!, d.GetProperty("s").GetString(), Result(d.GetProperty("result")))).ToList();
            var spf = e.TryGetProperty("spf", out var s) ? (s.GetProperty("d").GetString()!, Result(s.GetProperty("result"))) : ((string, AuthResult)?)null;
            return new DmarcReportEntry(DateTimeOffset.FromUnixTimeSeconds(e.GetProperty("t").GetInt64()), IPAddress.Parse(e.GetProperty("ip").GetString()!),
                e.GetProperty("from").GetString()!, e.GetProperty("mfrom").GetString()!, e.GetProperty("domain").GetString()!, published,
                Enum.Parse<DmarcPolicy>(e.GetProperty("disposition").GetString()!), e.GetProperty("dkim_aligned").GetBoolean(), e.GetProperty("spf_aligned").GetBoolean(),
                e.GetProperty("override").GetString(), e.GetProperty("comment").GetString(), dkim, spf);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    private static AuthResult Result(JsonElement keyword) =>
        Enum.GetValues<AuthResult>().First(r => r.ToKeyword() == keyword.GetString());
}
