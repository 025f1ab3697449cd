using System.Net;
using Milter.Client;
using Milter.IntegrationTests.Support;
using Milter.Protocol;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// An external part that is down, hangs past its timeout or breaks the protocol inside a pipeline: it gets its configured
/// WhenUnavailable while the local part before it goes on. With Continue the message is delivered with the local part's
/// changes and without the external one's; with Tempfail it is refused for now (the client keeps it); and the next message
/// goes through both parts. With MilterClient as the MTA, then behind a real Postfix.
/// </summary>
public sealed class CompositionFaultTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    public static TheoryData<string, ExternalMilterFallback> Faults => new()
    {
        { "down", ExternalMilterFallback.Continue }, { "down", ExternalMilterFallback.Tempfail },
        { "hang", ExternalMilterFallback.Continue }, { "hang", ExternalMilterFallback.Tempfail },
        { "garbage", ExternalMilterFallback.Continue }, { "garbage", ExternalMilterFallback.Reject },
    };

    /// <summary>The local policy, then the external milter (RelayTargetMilter, which stamps X-Stamp) behind a proxy that misbehaves once.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly string _socket = Path.Combine(Path.GetTempPath(), $"milter-composed-{Guid.NewGuid():N}.sock");
        private MilterServer? _target;
        private FaultyMilterProxy? _proxy;

        public MilterServer Pipeline { get; private set; } = null!;

        public ListLogger Log { get; } = new();

        public int Port => ((IPEndPoint)Pipeline.Addresses[0].EndPoint).Port;

        public static async Task<Rig> StartAsync(string fault, ExternalMilterFallback fallback)
        {
            var rig = new Rig();
            string address;
            if (fault == "down")
            {
                // Nothing listens yet: the external milter comes up after the first message.
                address = $"unix:{rig._socket}";
            }
            else
            {
                rig._target = await RelayRig.ServeAsync(MilterHandlerFactory.For<RelayTargetMilter>(), "inet:0@127.0.0.1");
                rig._proxy = new FaultyMilterProxy((IPEndPoint)rig._target.Addresses[0].EndPoint);
                rig._proxy.Next(fault == "hang" ? MilterFault.Hang : MilterFault.Garbage, fault == "hang" ? 'E' : 'M');
                address = rig._proxy.Address;
            }

            var external = new ExternalMilter(new ExternalMilterOptions
            {
                Name = "scanner",
                Address = address,
                ConnectTimeout = Short,
                EndOfMessageTimeout = Short,
                WhenUnavailable = fallback,
            }, rig.Log);
            rig.Pipeline = await RelayRig.ServeAsync(MilterPipeline.Create("faults").Add<SigningPolicyMilter>().Add(external).Build(), "inet:0@127.0.0.1");
            return rig;
        }

        /// <summary>Brings the external milter up when it was down.</summary>
        public async Task RecoverAsync() => _target ??= await RelayRig.ServeAsync(MilterHandlerFactory.For<RelayTargetMilter>(), $"unix:{_socket}");

        /// <summary>The one line the external part logged about its failure.</summary>
        public string Failure => Assert.Single(Log.Entries, e => e.Message.Contains("for the rest of the message", StringComparison.Ordinal)).Message;

        public async ValueTask DisposeAsync()
        {
            await Pipeline.DisposeAsync();
            if (_proxy is not null)
                await _proxy.DisposeAsync();
            if (_target is not null)
                await _target.DisposeAsync();
            File.Delete(_socket);
        }
    }

    private static string FailureText(string fault) => fault switch
    {
        "down" => "could not connect",
        "hang" => "no answer to BODYEOB within 1 s",
        _ => "(at Mail)",
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task The_failed_external_part_gets_its_fallback_the_local_part_goes_on_and_the_next_message_gets_both(string fault, ExternalMilterFallback fallback)
    {
        await using var rig = await Rig.StartAsync(fault, fallback);
        await using var mta = await MilterClient.ConnectAsync(rig.Pipeline.Addresses[0].Text, MtaProfile.Postfix, TimeSpan.FromSeconds(20));

        var first = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("stamp"));
        await rig.RecoverAsync();
        var next = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("stamp"));

        switch (fallback)
        {
            case ExternalMilterFallback.Continue:
                Assert.True(first.Accepted, first.Verdict.ToString());
                var delivered = first.Delivered!.Message;
                Assert.Equal("[policy] checked", delivered.Header("Subject")?.Trim());
                Assert.Equal("checked", delivered.Header("X-Policy")?.Trim());
                Assert.Empty(delivered.Values("X-Stamp"));
                break;
            case ExternalMilterFallback.Tempfail:
                Assert.Equal(MilterResponseCode.Tempfail, first.Verdict.Code);
                break;
            default:
                Assert.Equal(MilterResponseCode.Reject, first.Verdict.Code);
                break;
        }

        Assert.Contains(FailureText(fault), rig.Failure, StringComparison.Ordinal);
        Assert.Contains($"answering {fallback}", rig.Failure, StringComparison.Ordinal);
        Assert.Equal("passed", next.Delivered?.Message.Header("X-Stamp")?.Trim());
        Assert.Equal("checked", next.Delivered?.Message.Header("X-Policy")?.Trim());
    }

    [Theory]
    [InlineData("down", ExternalMilterFallback.Continue)]
    [InlineData("hang", ExternalMilterFallback.Continue)]
    [InlineData("garbage", ExternalMilterFallback.Continue)]
    [InlineData("hang", ExternalMilterFallback.Tempfail)]
    public async Task Behind_Postfix_a_failed_external_part_loses_nothing_and_the_next_message_gets_both_parts(string fault, ExternalMilterFallback fallback)
    {
        if (PostfixInstance.Unavailable() is { } reason)
            Assert.Skip(reason);
        await using var rig = await Rig.StartAsync(fault, fallback);
        await using var postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{rig.Port}");

        async Task<(SmtpAnswer Answer, Support.DeliveredMessage? Delivered)> SendAsync(string subject)
        {
            await using var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort);
            var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"],
                $"From: <sender@origin.test>\nTo: <rcpt@dest.test>\nSubject: {subject}\nX-Case: stamp\n\nBody of {subject}.\n");
            return (answer, answer.Code == 250 ? await postfix.WaitForDeliveryAsync(postfix.QueueIdOf(answer)) : null);
        }

        var first = await SendAsync("first");
        await rig.RecoverAsync();
        var next = await SendAsync("next");

        if (fallback == ExternalMilterFallback.Continue)
        {
            Assert.Equal(250, first.Answer.Code);
            Assert.Equal("[policy] checked", first.Delivered!.Header("Subject")?.Trim());
            Assert.Equal("checked", first.Delivered.Header("X-Policy")?.Trim());
            Assert.Null(first.Delivered.Header("X-Stamp"));
            Assert.Contains("Body of first.", first.Delivered.Body, StringComparison.Ordinal);
        }
        else
        {
            // Refused for now, not lost: the client still has it and will try again.
            Assert.Equal(451, first.Answer.Code);
            Assert.Null(first.Delivered);
        }

        Assert.Equal(250, next.Answer.Code);
        Assert.Equal("passed", next.Delivered!.Header("X-Stamp")?.Trim());
        Assert.Equal("checked", next.Delivered.Header("X-Policy")?.Trim());
        Assert.Equal("[policy] checked", next.Delivered.Header("Subject")?.Trim());
        Assert.Contains("Body of next.", next.Delivered.Body, StringComparison.Ordinal);
        Assert.Contains($"answering {fallback}", rig.Failure, StringComparison.Ordinal);
    }
}
