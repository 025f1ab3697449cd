namespace Milter.IntegrationTests.Support;

/// <summary>A message as Postfix delivered it to smtp-sink: the envelope and the message, headers in order.</summary>
internal sealed record DeliveredMessage(string Sender, IReadOnlyList<string> Recipients, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
{
    /// <summary>The ESMTP arguments the MTA gave MAIL FROM when relaying (after the address in X-Mail-Args).</summary>
    public string SenderArguments { get; private init; } = "";

    /// <summary>The ESMTP arguments the MTA gave each RCPT TO when relaying (after the address in X-Rcpt-Args), by address.</summary>
    public IReadOnlyDictionary<string, string> RecipientArguments { get; private init; } = new Dictionary<string, string>();

    /// <summary>The fields as written, each "Name:value" with every space after the colon; set by <see cref="Parse"/>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RawHeaders { get; private init; } = [];

    /// <summary>Values with this name exactly as written after the colon, less the one space that follows it.</summary>
    public IReadOnlyList<string> RawValues(string name) =>
        RawHeaders.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value.StartsWith(' ') ? h.Value[1..] : h.Value).ToList();

    /// <summary>Header values with this name, in order; values keep their folding (LF + whitespace).</summary>
    public IReadOnlyList<string> Values(string name) =>
        Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();

    public string? Header(string name) => Values(name).FirstOrDefault();

    /// <summary>Parses an smtp-sink dump: X-Mail-Args and X-Rcpt-Args lines, smtp-sink's own Received, then the message.</summary>
    public static DeliveredMessage Parse(string dump)
    {
        var text = dump.Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? string.Empty : text[(split + 2)..];
        if (body.EndsWith('\n'))
            body = body[..^1]; // smtp-sink writes one empty line after each message

        var fields = new List<KeyValuePair<string, string>>();
        foreach (var line in head.Split('\n'))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && fields.Count > 0)
            {
                fields[^1] = new(fields[^1].Key, fields[^1].Value + "\n" + line);
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
                fields.Add(new(line[..colon], line[(colon + 1)..]));
        }

        var mailArgs = fields.First(f => f.Key == "X-Mail-Args").Value.Trim().Split(' ', 2);
        var sender = mailArgs[0];
        var rcptArgs = fields.Where(f => f.Key == "X-Rcpt-Args").Select(f => f.Value.Trim().Split(' ', 2)).ToList();
        var recipients = rcptArgs.Select(a => a[0]).ToList();
        // The sink's meta fields and its own Received: come first; the message starts after them.
        var first = fields.FindIndex(f => f.Key == "Received");
        var raw = fields.Skip(first + 1).ToList();
        var headers = raw.Select(f => new KeyValuePair<string, string>(f.Key, f.Value.TrimStart(' '))).ToList();
        return new DeliveredMessage(sender, recipients, headers, body) {
            RawHeaders = raw, SenderArguments = mailArgs.Length > 1 ? mailArgs[1] : "",
            RecipientArguments = rcptArgs.GroupBy(a => a[0]).ToDictionary(g => g.Key, g => g.First().Length > 1 ? g.First()[1] : ""),
        };
    }
}
