using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net.Sockets;
using Milter.Server;

namespace Milter.Cli;

/// <summary>The arguments and options more than one command takes, each checked while parsing so a mistake is a parse error in words.</summary>
internal static class Symbols
{
    private const string AddressForms = "inet:PORT@HOST, inet6:PORT@HOST or unix:/path";

    public static Argument<MilterAddress> Address(string description) => new("ADDRESS")
    {
        Description = $"{description} ({AddressForms})",
        CustomParser = result => ParseAddress(result, result.Tokens[0].Value),
    };

    public static Option<MilterAddress> AddressOption(string name, string description) => new(name)
    {
        Description = $"{description} ({AddressForms})",
        HelpName = "ADDRESS",
        Required = true,
        CustomParser = result => ParseAddress(result, result.Tokens[0].Value),
    };

    /// <summary>Seconds, above 0; a double so the help shows "30", not "00:00:30".</summary>
    public static Option<double> Timeout(string description) => Seconds("--timeout", description, 30, zeroAllowed: false);

    /// <summary>A number of seconds (a double, so the help shows "30", not "00:00:30"), above 0 or, when allowed, 0.</summary>
    public static Option<double> Seconds(string name, string description, double defaultValue, bool zeroAllowed) => new(name)
    {
        Description = description,
        HelpName = "SECONDS",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                && (seconds > 0 || (zeroAllowed && seconds == 0)) && seconds <= int.MaxValue / 1000)
                return seconds;
            result.AddError($"{name}: '{text}' is not a number of seconds");
            return default;
        },
    };

    /// <summary>A whole number option, at least <paramref name="minimum"/>.</summary>
    public static Option<int> Number(string name, string helpName, string description, int defaultValue, int minimum) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= minimum)
                return number;
            result.AddError($"{name}: '{text}' is not a whole number of at least {minimum}");
            return default;
        },
    };

    private static MilterAddress ParseAddress(ArgumentResult result, string text)
    {
        // An argument that looks like an option is a misspelt option, not a strange address.
        if (text.StartsWith('-'))
        {
            result.AddError($"{text} is not an option of this command (--help lists them)");
            return null!;
        }

        try
        {
            return MilterAddress.Parse(text);
        }
        catch (FormatException e)
        {
            result.AddError(e.Message);
        }
        catch (SocketException e)
        {
            // MilterAddress resolves a host name at once.
            result.AddError($"\"{text}\": the host cannot be resolved: {e.Message}");
        }
        catch (ArgumentException e)
        {
            // A host name the resolver refuses outright (too long, say).
            result.AddError($"\"{text}\": {e.Message}");
        }

        return null!;
    }
}
