using Milter.Client;
using Milter.Server;

namespace Milter.Cli;

/// <summary>One message to send, and how: the parsed command line of <see cref="SendCommand"/>.</summary>
internal sealed record SendRequest(MilterAddress Address, string MessagePath, Envelope Envelope, MtaProfile Profile, int Count, int Concurrency, TimeSpan Timeout)
{
    /// <summary>A connection to the milter as this request's MTA, with failures to connect in words.</summary>
    public Task<MilterClient> ConnectAsync(CancellationToken cancellationToken) =>
        Connecting.ConnectAsync(Address, Timeout, token => MilterClient.ConnectAsync(Address.Text, Profile, Timeout, token), cancellationToken);
}
