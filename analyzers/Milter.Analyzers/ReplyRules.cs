using System.Collections.Immutable;
using System.Linq;
using System.Text;

namespace Milter.Analyzers;

/// <summary>The rules SmtpReply.Create enforces at run time, applied to constants at compile time.</summary>
internal static class ReplyRules
{
    public static string? CheckCode(int? code, bool? permanent)
    {
        if (code is not { } value)
            return null;
        if (value is < 400 or > 599)
            return $"code {value} cannot be sent: a milter only rejects (5xx) or tempfails (4xx)";
        if (value % 100 / 10 > 5)
            return $"code {value} is not an SMTP reply code: its second digit must be 0 to 5";
        if (permanent == true && value / 100 != 5)
            return $"Reject needs a 5xx code; {value} is temporary (use Tempfail)";
        if (permanent == false && value / 100 != 4)
            return $"Tempfail needs a 4xx code; {value} is permanent (use Reject)";
        return null;
    }

    /// <summary>What is wrong with a constant enhanced status code; <paramref name="fixableClass"/> is the class digit it needs when only that is wrong.</summary>
    public static string? CheckExtendedCode(int? code, (string? Value, bool Known) extended, out char? fixableClass)
    {
        fixableClass = null;
        if (!extended.Known || extended.Value is not { } text)
            return null;
        var parts = text.Split('.');
        if (parts.Length != 3 || !Digits(parts[0]) || parts[0].Length != 1 || !Digits(parts[1]) || !Digits(parts[2]))
            return $"enhanced status code \"{text}\" is malformed; write class.subject.detail, e.g. 5.7.1";
        var expected = code is { } value && value / 100 is 4 or 5 ? (char)('0' + (value / 100)) : (char?)null;
        if (parts[0] is not ("4" or "5"))
        {
            fixableClass = expected;
            return $"enhanced status code {text} has class {parts[0]}, which a milter reply cannot have; its class must be {(expected is { } c ? c.ToString() : "4 or 5")}, as the reply code's";
        }

        if (expected is { } needed && parts[0][0] != needed)
        {
            fixableClass = needed;
            return $"enhanced status code {text} does not match reply code {code}; its class must be {needed}";
        }

        return null;
    }

    public static string? CheckLines(ImmutableArray<string?>? lines)
    {
        if (lines is not { } all)
            return null;
        if (all.Length is 0 or > 32)
            return $"a reply needs 1 to 32 lines; this one has {all.Length}";
        for (var i = 0; i < all.Length; i++)
        {
            var line = all[i]!;
            if (line.IndexOfAny(new[] { '\r', '\n', '\0' }) >= 0)
                return $"line {i + 1} contains CR, LF or NUL; give each line as its own argument";
            var bytes = Encoding.UTF8.GetByteCount(line) + line.Count(c => c == '%');
            if (bytes > 980)
                return $"line {i + 1} is {bytes} bytes on the wire (after % escaping); the limit is 980";
        }

        return null;
    }

    private static bool Digits(string value) => value.Length is >= 1 and <= 3 && value.All(c => c is >= '0' and <= '9');
}
