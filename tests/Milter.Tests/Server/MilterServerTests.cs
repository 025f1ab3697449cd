using System.Buffers;
using System.Net.Sockets;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

public class MilterServerTests
{
    private static IMilterHandlerFactory Stamper(Func<Task>? atEndOfMessage = null) =>
        MilterHandlerFactory.Create(new MilterDescription { Actions = ActionFlags.AddHeaders }, () => new RecordingHandler([])
        {
            EndOfMessageAsync = async m =>
            {
                if (atEndOfMessage is not null)
                    await atEndOfMessage();
                m.AddHeader("X-Stamp", m.Sender!.Address);
                return MilterVerdict.Accept;
            },
        });

    private static async Task SendMessageAsync(FakeMta mta, string sender)
    {
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, $"<{sender}>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        Assert.Equal(new AddHeaderResponse("X-Stamp", sender), await mta.ReadAsync());
        Assert.Equal(MilterResponse.Accept, await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.Abort);
    }

    [Fact]
    public async Task Serves_IPv4_IPv6_and_a_unix_socket_at_once_and_reports_real_ports()
    {
        var path = Path.Combine(Path.GetTempPath(), $"milter-test-{Guid.NewGuid():N}.sock");
        await using var server = await TestServer.StartAsync(Stamper(), o =>
        {
            o.Listen.Add("inet:0@127.0.0.1");
            o.Listen.Add("inet6:0@::1");
            o.Listen.Add($"unix:{path}");
        });

        Assert.Matches(@"^inet:\d+@127\.0\.0\.1$", server.Addresses[0].ToString());
        Assert.DoesNotContain(":0@", server.Addresses[0].ToString(), StringComparison.Ordinal);
        Assert.Matches(@"^inet6:\d+@::1$", server.Addresses[1].ToString());
        Assert.Equal($"unix:{path}", server.Addresses[2].ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(path));

        for (var i = 0; i < 3; i++)
        {
            await using var mta = await TestServer.OpenAsync(server, i);
            await SendMessageAsync(mta, $"sender{i}@example.org");
            await SendMessageAsync(mta, $"again{i}@example.org");
        }

        await server.StopAsync();
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Two_hundred_concurrent_connections_each_send_messages()
    {
        await using var server = await TestServer.StartAsync(Stamper(), o => o.Listen.Add("inet:0@127.0.0.1"));

        var clients = Enumerable.Range(0, 200).Select(async i =>
        {
            await using var mta = await TestServer.OpenAsync(server);
            for (var m = 0; m < 3; m++)
                await SendMessageAsync(mta, $"c{i}m{m}@example.org");
            await mta.SendAsync(MilterCommandCode.Quit);
        });
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_protocol_error_on_one_connection_leaves_the_others_untouched()
    {
        await using var server = await TestServer.StartAsync(Stamper(), o => o.Listen.Add("inet:0@127.0.0.1"));
        await using var good = await TestServer.OpenAsync(server);
        await using var bad = await TestServer.OpenAsync(server);

        await bad.SendAsync(w => w.Write(new byte[] { 0, 0, 0, 1, (byte)'Z' }));
        Assert.Null(await bad.TryReadAsync(TimeSpan.FromSeconds(5)));

        await SendMessageAsync(good, "still@working.example");
    }

    [Fact]
    public async Task Graceful_stop_lets_a_message_in_flight_finish_and_closes_idle_connections()
    {
        var inEndOfMessage = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        await using var server = await TestServer.StartAsync(Stamper(async () =>
        {
            inEndOfMessage.TrySetResult();
            await release.Task;
        }), o => o.Listen.Add("inet:0@127.0.0.1"));
        await using var busy = await TestServer.OpenAsync(server);
        await using var idle = await TestServer.OpenAsync(server);

        await busy.SendAsync(w => MtaCommandWriter.WriteMail(w, "<late@example.org>"));
        await busy.ReadAsync();
        await busy.SendAsync(MilterCommandCode.EndOfBody);
        await inEndOfMessage.Task.WaitAsync(TimeSpan.FromSeconds(5));

        var stop = server.StopAsync();
        Assert.Null(await idle.TryReadAsync(TimeSpan.FromSeconds(5))); // closed at once
        Assert.False(stop.IsCompleted);
        release.SetResult();

        Assert.Equal(new AddHeaderResponse("X-Stamp", "late@example.org"), await busy.ReadAsync());
        Assert.Equal(MilterResponse.Accept, await busy.ReadAsync());
        await stop.WaitAsync(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAnyAsync<SocketException>(() => FakeMta.ConnectAsync(server.Addresses[0].EndPoint));
    }

    [Fact]
    public async Task Graceful_stop_closes_what_did_not_finish_by_the_deadline()
    {
        var release = new TaskCompletionSource();
        await using var server = await TestServer.StartAsync(Stamper(() => release.Task), o =>
        {
            o.Listen.Add("inet:0@127.0.0.1");
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(300);
            o.ProgressInterval = null;
        });
        await using var busy = await TestServer.OpenAsync(server);
        await busy.SendAsync(w => MtaCommandWriter.WriteMail(w, "<stuck@example.org>"));
        await busy.ReadAsync();
        await busy.SendAsync(MilterCommandCode.EndOfBody);
        await Task.Delay(100);

        await server.StopAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Null(await busy.TryReadAsync(TimeSpan.FromSeconds(5)));
        release.SetResult();
    }

    [Fact]
    public async Task Excess_connections_are_refused_or_on_request_wait_for_a_free_slot()
    {
        await using var waiting = await TestServer.StartAsync(Stamper(), o =>
        {
            o.Listen.Add("inet:0@127.0.0.1");
            o.MaxConnections = 1;
            o.RefuseExcessConnections = false;
        });
        var first = await TestServer.OpenAsync(waiting);
        var secondTask = TestServer.OpenAsync(waiting);
        await Task.Delay(300);
        Assert.False(secondTask.IsCompleted);
        await first.DisposeAsync();
        await using (var second = await secondTask.WaitAsync(TimeSpan.FromSeconds(5)))
            await SendMessageAsync(second, "waited@example.org");

        await using var refusing = await TestServer.StartAsync(Stamper(), o =>
        {
            o.Listen.Add("inet:0@127.0.0.1");
            o.MaxConnections = 1;
        });
        await using var kept = await TestServer.OpenAsync(refusing);
        await using var refused = await FakeMta.ConnectAsync(refusing.Addresses[0].EndPoint);
        await refused.SendAsync(FakeMta.FullOffer.WriteTo);
        Assert.Null(await refused.TryReadAsync(TimeSpan.FromSeconds(5)));
    }
}
