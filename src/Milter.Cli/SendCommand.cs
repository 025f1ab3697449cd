using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using System.Net.Sockets;
using Milter.Client;
using Milter.Protocol;
using Milter.Server;

namespace Milter.Cli;

/// <summary>
/// milter-test send: the arguments and options that describe one message and its SMTP side, and the choice between a
/// report on one message and a load run.
/// </summary>
internal sealed class SendCommand : MilterTestAction
{
    private const string MacroStages = "CHMRTNE";

    private readonly Argument<MilterAddress> _address = Symbols.Address("the milter to send to");
    private readonly Argument<string> _message = new("MESSAGE.eml") { Description = "the message as the MTA receives it: headers, a blank line, the body" };
    private readonly Option<string> _from = Text("--from", "ADDRESS", "the envelope sender", "sender@example.org");
    private readonly Option<string[]> _rcpt = new("--rcpt") { Description = "an envelope recipient; repeat for more [default: rcpt@example.net]", HelpName = "ADDRESS" };
    private readonly Option<string> _clientIp = Text("--client-ip", "IP", "the client's address in CONNECT", "127.0.0.1");
    private readonly Option<string> _clientName = Text("--client-name", "NAME", "the client's host name in CONNECT", "localhost");
    private readonly Option<string> _helo = Text("--helo", "NAME", "the HELO name", "client.example");
    private readonly Option<Dictionary<char, Dictionary<string, string>>> _macros = new("--macro")
    {
        Description = $"a macro, sent before stage S (one of {MacroStages}; default C); repeat for more",
        HelpName = "[S:]NAME=VALUE",
        Arity = ArgumentArity.OneOrMore,
        DefaultValueFactory = _ => [],
        CustomParser = ParseMacros,
    };

    private readonly Option<string> _mta = new("--mta") { Description = "whose offer, macros, ABORT habit and header rules to copy", DefaultValueFactory = _ => "postfix" };
    private readonly Option<double> _timeout = Symbols.Timeout("how long to wait for the connection and for each answer");
    private readonly Option<int> _count = Symbols.Number("--count", "N", "load mode: send N messages...", 0, 0);
    private readonly Option<int> _concurrency = Symbols.Number("--concurrency", "C", "...over C connections at once, and print the rate and the latency", 1, 1);

    private SendCommand(Command command, bool hidden)
    {
        _mta.AcceptOnlyFromAmong("postfix", "sendmail", "full");
        Symbol[] symbols = [_address, _message, _from, _rcpt, _clientIp, _clientName, _helo, _macros, _mta, _timeout, _count, _concurrency];
        foreach (var symbol in symbols)
        {
            symbol.Hidden = hidden;
            if (hidden && symbol is Argument shortForm)
                shortForm.Arity = ArgumentArity.ZeroOrOne; // so that a bare `milter-test` is told what to do, not about hidden arguments
            if (symbol is Argument argument)
                command.Arguments.Add(argument);
            else
                command.Options.Add((Option)symbol);
        }

        command.Action = this;
    }

    /// <summary>The send command.</summary>
    public static Command Create()
    {
        var command = new Command("send",
            "Send MESSAGE.eml through the milter at ADDRESS the way an MTA does; print the negotiated options, each change, the verdict "
            + "and a diff of the message as it would be delivered. With --count, load the milter instead. "
            + "Exit code: 0 accepted, 2 rejected, 3 tempfailed, 4 discarded, 1 error.");
        _ = new SendCommand(command, hidden: false);
        return command;
    }

    /// <summary>Makes <paramref name="root"/> accept the send arguments without the word send, as milter-test did before it had commands.</summary>
    public static void AddShortForm(RootCommand root) => _ = new SendCommand(root, hidden: true);

    protected override async Task<int> RunAsync(ParseResult parseResult, TextWriter output, CancellationToken cancellationToken)
    {
        if (parseResult.GetResult(_address) is null || parseResult.GetResult(_message) is null)
            throw new CommandException("give a command (send, probe or record), or ADDRESS MESSAGE.eml to send a message; --help tells more");
        var request = Bind(parseResult);
        var message = MailMessage.Parse(await MessageFile.ReadAsync(request.MessagePath, cancellationToken).ConfigureAwait(false));
        return request.Count > 0
            ? await LoadRun.RunAsync(request, message, output, cancellationToken).ConfigureAwait(false)
            : await SendReport.RunAsync(request, message, output, cancellationToken).ConfigureAwait(false);
    }

    private SendRequest Bind(ParseResult parse)
    {
        var clientIp = parse.GetRequiredValue(_clientIp);
        var recipients = parse.GetValue(_rcpt) is { Length: > 0 } given ? given : ["rcpt@example.net"];
        var envelope = new Envelope(parse.GetRequiredValue(_from), recipients)
        {
            ClientAddress = clientIp,
            ClientHostName = parse.GetRequiredValue(_clientName),
            ClientFamily = IPAddress.TryParse(clientIp, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? ConnectionFamily.IPv6 : ConnectionFamily.IPv4,
            HeloName = parse.GetRequiredValue(_helo),
            Macros = parse.GetRequiredValue(_macros).ToDictionary(m => m.Key, m => (IReadOnlyDictionary<string, string>)m.Value),
        };
        return new SendRequest(parse.GetRequiredValue(_address), parse.GetRequiredValue(_message), envelope, MtaProfile.FromName(parse.GetRequiredValue(_mta)),
            parse.GetRequiredValue(_count), parse.GetRequiredValue(_concurrency), TimeSpan.FromSeconds(parse.GetRequiredValue(_timeout)));
    }

    private static Option<string> Text(string name, string helpName, string description, string defaultValue) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => defaultValue,
    };

    private static Dictionary<char, Dictionary<string, string>> ParseMacros(ArgumentResult result)
    {
        var macros = new Dictionary<char, Dictionary<string, string>>();
        foreach (var token in result.Tokens)
        {
            var text = token.Value;
            var stage = 'C';
            if (text.Length > 2 && text[1] == ':')
            {
                stage = char.ToUpperInvariant(text[0]);
                text = text[2..];
                if (!MacroStages.Contains(stage, StringComparison.Ordinal))
                    result.AddError($"--macro: stage {stage} is not one of {string.Join(' ', MacroStages.ToCharArray())}");
            }

            var equals = text.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                result.AddError($"--macro: a macro is NAME=VALUE, not '{text}'");
                continue;
            }

            if (!macros.TryGetValue(stage, out var list))
                macros[stage] = list = [];
            list[text[..equals]] = text[(equals + 1)..];
        }

        return macros;
    }
}
