namespace Milter.Authentication;

/// <summary>Limits of <see cref="DkimVerification"/>.</summary>
public sealed class DkimVerifierOptions
{
    /// <summary>How many signatures of one message are checked (10); the rest get <c>neutral</c> ("too many signatures"),
    /// so a message with a thousand signatures costs ten.</summary>
    public int MaxSignatures { get; set; } = 10;

    /// <summary>The longest key record accepted, in characters (4,096: a 4,096-bit RSA key is about 740).</summary>
    public int MaxKeyRecordLength { get; set; } = 4096;

    /// <summary>Whether rsa-sha1 signatures may pass (false: RFC 8301 says verifiers must not accept them).</summary>
    public bool AllowRsaSha1 { get; set; }

    /// <summary>The clock for the expiry (x=) check.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;
}
