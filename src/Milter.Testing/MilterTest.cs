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
/// await using var test = MilterTest.For&lt;StampFilter&gt;();                                     // Milter.Testing.MilterTest
/// MimeMessage message = MimeMessage.Load("hello.eml");                                         // MimeKit.MimeMessage
/// MilterTestResult result = await test.SendAsync(message, "sender@example.org", "rcpt@example.net");
/// result.AssertHeaderAdded("X-Stamped");                                                        // Milter.Testing.MilterAssertions
/// MimeMessage delivered = result.AssertAccepted();                                              // the message after the changes
/// </code>
/// </example>
public sealed class MilterTest : IAsyncDisposable
{
    private readonly Task _session;
    private readonly Pipe _toMilter = new();
    private readonly Pipe _toMta = new();

    private MilterTest(IMilterHandlerFactory factory, MtaProfile? profile, MilterSessionOptions? options)
    {
        options ??= new MilterSessionOptions { ProgressInterval = null };
        var session = new MilterSession(factory, options);
        _session = Task.Run(() => session.RunAsync(new Duplex(_toMilter.Reader, _toMta.Writer)));
        Client = new MilterClient(new Duplex(_toMta.Reader, _toMilter.Writer), profile ?? MtaProfile.Postfix);
    }

    /// <summary>The MTA side, for tests that drive the protocol step by step.</summary>
    public MilterClient Client { get; }

    /// <summary>A test of a generated filter; constructor parameters come from <paramref name="services"/>.</summary>
    public static MilterTest For<TFilter>(IServiceProvider? services = null, MtaProfile? profile = null) where TFilter : IMilterFilter<TFilter> =>
        new(MilterHandlerFactory.For<TFilter>(services), profile, null);

    /// <summary>A test of any handler factory (for hand-written <see cref="IMilterHandler"/> implementations).</summary>
    public static MilterTest For(IMilterHandlerFactory factory, MtaProfile? profile = null, MilterSessionOptions? options = null) =>
        new(factory, profile, options);

    /// <summary>
    /// Sends a MimeKit message from <paramref name="sender"/> to <paramref name="recipients"/>, and returns what
    /// happened to it, with the message as it would be delivered (<see cref="MilterTestResult.Message"/>).
    /// </summary>
    public Task<MilterTestResult> SendAsync(MimeMessage message, string sender, params string[] recipients) =>
        SendAsync(message, new Envelope(sender, recipients));

    /// <summary>Sends a MimeKit message with a full <see cref="Envelope"/> (client, HELO, ESMTP arguments, macros per stage).</summary>
    public Task<MilterTestResult> SendAsync(MimeMessage message, Envelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        return SendAsync(stream.ToArray(), envelope, cancellationToken);
    }

    /// <summary>Sends a message given as raw RFC 5322 bytes (bytes that are not valid UTF-8 reach the filter unchanged) with a full envelope.</summary>
    public async Task<MilterTestResult> SendAsync(byte[] message, Envelope envelope, CancellationToken cancellationToken = default) =>
        new(await Client.SendMessageAsync(envelope, MailMessage.Parse(message), cancellationToken).ConfigureAwait(false));

    /// <summary>Sends an .eml file.</summary>
    public async Task<MilterTestResult> SendFileAsync(string path, Envelope envelope, CancellationToken cancellationToken = default) =>
        await SendAsync(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), envelope, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Replays a recorded conversation (<c>milter-test record</c>, or any file in the capture format) against a generated
    /// filter: each connection's MTA side is sent as recorded, macros included, and the filter's own answers decide. Returns
    /// what happened to each message, in order, so a production incident becomes a test.
    /// </summary>
    public static Task<IReadOnlyList<MilterTestResult>> ReplayAsync<TFilter>(string capturePath, IServiceProvider? services = null,
        CancellationToken cancellationToken = default) where TFilter : IMilterFilter<TFilter> =>
        ReplayAsync(MilterHandlerFactory.For<TFilter>(services), MilterCapture.Load(capturePath), cancellationToken);

    /// <summary>Replays a capture against any handler factory (see <see cref="ReplayAsync{TFilter}"/>).</summary>
    public static async Task<IReadOnlyList<MilterTestResult>> ReplayAsync(IMilterHandlerFactory factory, MilterCapture capture, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(capture);
        var results = new List<MilterTestResult>();
        foreach (var connection in capture.Connections)
        {
            await using var test = new MilterTest(factory, MilterClient.ReplayProfile(connection), null);
            foreach (var outcome in await test.Client.ReplayAsync(connection, cancellationToken).ConfigureAwait(false))
                results.Add(new MilterTestResult(outcome));
        }

        return results;
    }

    /// <summary>Sends ABORT, as an MTA does when a client resets a transaction.</summary>
    public Task AbortAsync(CancellationToken cancellationToken = default) => Client.AbortAsync(cancellationToken);

    /// <summary>Ends the connection (QUIT) and waits for the session to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Client.Negotiated is not null)
                await Client.QuitAsync().ConfigureAwait(false);
        }
        catch (MilterClientException)
        {
            // The session is over already (a replayed QUIT, or the milter closed).
        }

        await Client.DisposeAsync().ConfigureAwait(false);
        await _session.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
