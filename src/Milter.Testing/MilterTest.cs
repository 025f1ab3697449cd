using System.IO.Pipelines;
using Milter.Client;
using MimeKit;

namespace Milter.Testing;

/// <summary>
/// Runs a milter in memory through the same session engine the server uses, over an in-memory connection, and
/// plays the MTA with <see cref="MilterClient"/>. One instance is one milter connection: send several messages
/// to test what a real SMTP session does, with the ABORT pattern of the chosen MTA profile.
/// </summary>
/// <example>
/// <code>
/// await using var test = MilterTest.For&lt;StampFilter&gt;();
/// var result = await test.SendAsync(message, "sender@example.org", "rcpt@example.net");
/// result.AssertHeaderAdded("X-Stamped");
/// </code>
/// </example>
public sealed class MilterTest : IAsyncDisposable
{
    private readonly Task _session;
    private readonly Pipe _toMilter = new();
    private readonly Pipe _toMta = new();

    private MilterTest(IMilterHandlerFactory factory, MtaProfile? profile, MilterSessionOptions? options)
    {
        var session = new MilterSession(factory, options ?? new MilterSessionOptions { ProgressInterval = null });
        _session = Task.Run(() => session.RunAsync(new Duplex(_toMilter.Reader, _toMta.Writer)));
        Client = new MilterClient(new Duplex(_toMta.Reader, _toMilter.Writer), profile ?? MtaProfile.Postfix);
    }

    /// <summary>The MTA side, for tests that drive the protocol step by step.</summary>
    public MilterClient Client { get; }

    /// <summary>A test of a generated filter; constructor parameters come from <paramref name="services"/>.</summary>
    public static MilterTest For<TFilter>(IServiceProvider? services = null, MtaProfile? profile = null) where TFilter : IMilterFilter<TFilter> =>
        new(MilterFilter.Factory<TFilter>(services), profile, null);

    /// <summary>A test of any handler factory (for hand-written <see cref="IMilterHandler"/> implementations).</summary>
    public static MilterTest For(IMilterHandlerFactory factory, MtaProfile? profile = null, MilterSessionOptions? options = null) =>
        new(factory, profile, options);

    /// <summary>Sends a MimeKit message from <paramref name="sender"/> to <paramref name="recipients"/>.</summary>
    public Task<MessageOutcome> SendAsync(MimeMessage message, string sender, params string[] recipients)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        return SendAsync(stream.ToArray(), new Envelope(sender, recipients));
    }

    /// <summary>Sends a message given as raw RFC 5322 bytes with a full envelope (client, HELO, macros).</summary>
    public Task<MessageOutcome> SendAsync(byte[] message, Envelope envelope, CancellationToken cancellationToken = default) =>
        Client.SendMessageAsync(envelope, MailMessage.Parse(message), cancellationToken);

    /// <summary>Sends an .eml file.</summary>
    public async Task<MessageOutcome> SendFileAsync(string path, Envelope envelope, CancellationToken cancellationToken = default) =>
        await SendAsync(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), envelope, cancellationToken).ConfigureAwait(false);

    /// <summary>Sends ABORT, as an MTA does when a client resets a transaction.</summary>
    public Task AbortAsync(CancellationToken cancellationToken = default) => Client.AbortAsync(cancellationToken);

    /// <summary>Ends the connection (QUIT) and waits for the session to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Client.Negotiated is not null)
            await Client.QuitAsync().ConfigureAwait(false);
        await Client.DisposeAsync().ConfigureAwait(false);
        await _session.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
