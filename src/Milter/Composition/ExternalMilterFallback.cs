namespace Milter;

/// <summary>What an <see cref="ExternalMilter"/> answers for the rest of a message when the external milter cannot be used.</summary>
public enum ExternalMilterFallback
{
    /// <summary>Go on without it: the message is neither refused nor changed by it (Postfix's <c>milter_default_action = accept</c>).</summary>
    Continue,

    /// <summary>Fail temporarily (4xx): the client keeps the message and retries later. Nothing is lost.</summary>
    Tempfail,

    /// <summary>Reject (5xx): the message is refused for good.</summary>
    Reject,
}
