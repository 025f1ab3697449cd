using Microsoft.Extensions.Options;

namespace Milter.Hosting;

/// <summary>Checks the settings at start-up, so a typo stops the host with a clear message instead of failing later.</summary>
internal sealed class MilterHostingOptionsValidator : IValidateOptions<MilterHostingOptions>
{
    public ValidateOptionsResult Validate(string? name, MilterHostingOptions options)
    {
        var problems = new List<string>();
        if (options.Listen.Count == 0)
            problems.Add("Milter:Listen needs at least one address, e.g. inet:8890@127.0.0.1.");
        // A mistyped address is not checked here: the server reports it at the start in one line and exits with
        // MilterExitCode.InvalidAddress, where a validation failure here would end the host in a stack trace.

        if (options.MaxConnections <= 0)
            problems.Add($"Milter:MaxConnections must be positive; it is {options.MaxConnections}.");
        if (options.DefaultAction.ToLowerInvariant() is not ("tempfail" or "accept" or "reject"))
            problems.Add($"Milter:DefaultAction must be tempfail, accept or reject; it is \"{options.DefaultAction}\".");
        if (options.NegotiationTimeout <= TimeSpan.Zero || options.IdleTimeout <= TimeSpan.Zero || options.ReadTimeout <= TimeSpan.Zero
            || options.HandlerTimeout <= TimeSpan.Zero || options.EndOfMessageTimeout <= TimeSpan.Zero || options.ShutdownTimeout < TimeSpan.Zero)
        {
            problems.Add("Milter:NegotiationTimeout, IdleTimeout, ReadTimeout, HandlerTimeout and EndOfMessageTimeout must be positive, Milter:ShutdownTimeout not negative.");
        }
        if (options.MaxFrameLength < 65536)
            problems.Add($"Milter:MaxFrameLength must be at least 65536 (MTAs send 65535-byte body chunks); it is {options.MaxFrameLength}.");
        if (options.MaxBufferedBytes < options.MaxFrameLength + 5L)
            problems.Add($"Milter:MaxBufferedBytes must hold at least one frame of Milter:MaxFrameLength ({options.MaxFrameLength} bytes); it is {options.MaxBufferedBytes}.");
        if (options.UnixSocketMode.Length is 0 or > 4 || options.UnixSocketMode.Any(c => c is < '0' or > '7'))
            problems.Add($"Milter:UnixSocketMode must be an octal mode such as 660; it is \"{options.UnixSocketMode}\".");
        problems.AddRange(options.Limits is null ? ["Milter:Limits must not be empty."] : options.Limits.Validate("Milter:Limits:"));
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
