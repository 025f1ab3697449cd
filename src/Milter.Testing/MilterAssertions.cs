using Milter.Protocol;
using MimeKit;

namespace Milter.Testing;

/// <summary>A failed expectation about a milter's outcome; works with any test framework.</summary>
public sealed class MilterAssertionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MilterAssertionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public MilterAssertionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public MilterAssertionException()
        : this("The milter did not do what was expected.")
    {
    }
}

/// <summary>The common checks on a message's outcome, each with a message that shows what happened instead.</summary>
public static class MilterAssertions
{
    /// <summary>The message went through (possibly changed); returns it as it would be delivered.</summary>
    public static MimeMessage AssertAccepted(this MilterTestResult outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Message ?? throw new MilterAssertionException($"Expected the message to be accepted, but the milter answered {Describe(outcome)}.");
    }

    /// <summary>The milter rejected the message, with this code (and enhanced code) when given.</summary>
    public static void AssertRejected(this MilterTestResult outcome, int? code = null, string? extendedCode = null) =>
        AssertRefused(outcome, outcome.Rejected, "rejected", code, extendedCode);

    /// <summary>The milter failed the message temporarily, with this code when given.</summary>
    public static void AssertTempfailed(this MilterTestResult outcome, int? code = null, string? extendedCode = null) =>
        AssertRefused(outcome, outcome.Tempfailed, "temporarily failed", code, extendedCode);

    /// <summary>The milter discarded the message.</summary>
    public static void AssertDiscarded(this MilterTestResult outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (!outcome.Discarded)
            throw new MilterAssertionException($"Expected the message to be discarded, but the milter answered {Describe(outcome)}.");
    }

    /// <summary>The delivered message has this header (with this value when given) that the milter added or changed.</summary>
    public static void AssertHeaderAdded(this MilterTestResult outcome, string name, string? value = null)
    {
        var values = Values(outcome.AssertAccepted(), name);
        if (values.Count == 0)
            throw new MilterAssertionException($"Expected a header {name}, but the delivered message has none. Changes: {Changes(outcome)}.");
        if (value is not null && !values.Contains(value))
            throw new MilterAssertionException($"Expected {name}: {value}, but found {string.Join(" | ", values)}.");
    }

    /// <summary>The delivered message has no header with this name.</summary>
    public static void AssertHeaderRemoved(this MilterTestResult outcome, string name)
    {
        var values = Values(outcome.AssertAccepted(), name);
        if (values.Count > 0)
            throw new MilterAssertionException($"Expected no {name} header, but the delivered message has {string.Join(" | ", values)}.");
    }

    /// <summary>The delivered envelope includes this recipient.</summary>
    public static void AssertRecipientAdded(this MilterTestResult outcome, string recipient)
    {
        outcome.AssertAccepted();
        if (!outcome.Recipients.Contains(Bare(recipient), StringComparer.OrdinalIgnoreCase))
            throw new MilterAssertionException($"Expected recipient {recipient}, but the delivered recipients are {string.Join(", ", outcome.Recipients)}.");
    }

    /// <summary>The delivered envelope no longer has this recipient.</summary>
    public static void AssertRecipientRemoved(this MilterTestResult outcome, string recipient)
    {
        outcome.AssertAccepted();
        if (outcome.Recipients.Contains(Bare(recipient), StringComparer.OrdinalIgnoreCase))
            throw new MilterAssertionException($"Expected recipient {recipient} to be removed, but it is still there.");
    }

    private static void AssertRefused(MilterTestResult outcome, bool refused, string what, int? code, string? extendedCode)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (!refused)
            throw new MilterAssertionException($"Expected the message to be {what}, but the milter answered {Describe(outcome)}.");
        var reply = (outcome.Verdict as ReplyCodeResponse)?.Reply;
        if (code is not null && reply?.Code != code)
            throw new MilterAssertionException($"Expected reply code {code}, but the milter answered {Describe(outcome)}.");
        if (extendedCode is not null && reply?.ExtendedCode != extendedCode)
            throw new MilterAssertionException($"Expected enhanced code {extendedCode}, but the milter answered {Describe(outcome)}.");
    }

    private static string Describe(MilterTestResult outcome) =>
        (outcome.Verdict is ReplyCodeResponse reply ? reply.Reply.ToString() : outcome.Verdict.Code.ToString()) + $" at {outcome.DecidedAt}";

    private static string Changes(MilterTestResult outcome) =>
        outcome.Actions.Count == 0 ? "none" : string.Join(", ", outcome.Actions.Select(a => a.Code));

    private static List<string> Values(MimeMessage message, string name) =>
        [.. message.Headers.Where(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value.Trim())];

    /// <summary>The address as <see cref="MilterTestResult.Recipients"/> spells it, whether given with angle brackets or not.</summary>
    private static string Bare(string address) => new Recipient(address).Address;
}
