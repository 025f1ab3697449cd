using System.Globalization;
using Milter.Client;

namespace Milter.Cli;

/// <summary>The command line, parsed without reflection so the tool publishes with NativeAOT.</summary>
internal sealed record Options(string Address, string MessagePath, Envelope Envelope, MtaProfile Profile, int Count, int Concurrency, TimeSpan Timeout)
{
    public const string Usage = """
        usage: milter-test ADDRESS MESSAGE.eml [options]

        Sends MESSAGE.eml through the milter at ADDRESS (inet:PORT@HOST, inet6:PORT@HOST, unix:/path) the way an
        MTA does, and prints the negotiated options, each change, the verdict and a diff of the message.

          --from ADDRESS          envelope sender (default sender@example.org)
          --rcpt ADDRESS          envelope recipient; repeat for more (default rcpt@example.net)
          --client-ip IP          client address in CONNECT (default 127.0.0.1)
          --client-name NAME      client host name in CONNECT (default localhost)
          --helo NAME             HELO name (default client.example)
          --macro [S:]NAME=VALUE  a macro, sent before stage S (C H M R T N E; default C); repeat for more
          --mta postfix|sendmail|full   whose offer, macros, ABORT habit and header rules to copy (default postfix)
          --timeout SECONDS       how long to wait for each answer (default 30)
          --count N               load mode: send N messages...
          --concurrency C         ...over C connections at once (default 1), and print rate and latency

        exit code: 0 accepted, 2 rejected, 3 tempfailed, 4 discarded, 1 error
        """;

    public static Options Parse(string[] args)
    {
        var positional = new List<string>();
        string from = "sender@example.org", clientIp = "127.0.0.1", clientName = "localhost", helo = "client.example";
        var recipients = new List<string>();
        var macros = new Dictionary<char, Dictionary<string, string>>();
        var profile = MtaProfile.Postfix;
        int count = 0, concurrency = 1;
        var timeout = TimeSpan.FromSeconds(30);
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--from": from = Value(); break;
                case "--rcpt": recipients.Add(Value()); break;
                case "--client-ip": clientIp = Value(); break;
                case "--client-name": clientName = Value(); break;
                case "--helo": helo = Value(); break;
                case "--mta": profile = MtaProfile.FromName(Value()); break;
                case "--timeout": timeout = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--count": count = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--concurrency": concurrency = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--macro":
                    var (stage, name, value) = ParseMacro(Value());
                    if (!macros.TryGetValue(stage, out var list))
                        macros[stage] = list = [];
                    list[name] = value;
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                        throw new ArgumentException($"Unknown option {args[i]}.");
                    positional.Add(args[i]);
                    break;
            }
        }

        if (positional.Count != 2)
            throw new ArgumentException("Give the milter's address and a message file.");
        if (count < 0 || concurrency < 1)
            throw new ArgumentException("--count must be positive and --concurrency at least 1.");
        var family = System.Net.IPAddress.TryParse(clientIp, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? Protocol.ConnectionFamily.IPv6
            : Protocol.ConnectionFamily.IPv4;
        var envelope = new Envelope(from, recipients.Count > 0 ? recipients : ["rcpt@example.net"])
        {
            ClientAddress = clientIp,
            ClientHostName = clientName,
            ClientFamily = family,
            HeloName = helo,
            Macros = macros.ToDictionary(m => m.Key, m => (IReadOnlyDictionary<string, string>)m.Value),
        };
        return new Options(positional[0], positional[1], envelope, profile, count, concurrency, timeout);
    }

    private static (char Stage, string Name, string Value) ParseMacro(string text)
    {
        var stage = 'C';
        if (text.Length > 2 && text[1] == ':')
        {
            stage = char.ToUpperInvariant(text[0]);
            text = text[2..];
            if ("CHMRTNE".IndexOf(stage, StringComparison.Ordinal) < 0)
                throw new ArgumentException($"Macro stage {stage} is not one of C H M R T N E.");
        }

        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
            throw new ArgumentException($"A macro is NAME=VALUE, not \"{text}\".");
        return (stage, text[..equals], text[(equals + 1)..]);
    }
}
