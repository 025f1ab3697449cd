using System.Net;
using System.Net.Sockets;
using Milter.Server;

namespace Milter.Tests.Server;

public class MilterAddressTests
{
    [Theory]
    [InlineData("inet:8890@127.0.0.1", "127.0.0.1:8890", "inet:8890@127.0.0.1")]
    [InlineData("inet:8890", "0.0.0.0:8890", "inet:8890@0.0.0.0")]
    [InlineData("inet:0@127.0.0.1", "127.0.0.1:0", "inet:0@127.0.0.1")]
    [InlineData("inet6:8890@::1", "[::1]:8890", "inet6:8890@::1")]
    [InlineData("inet6:8890@[::1]", "[::1]:8890", "inet6:8890@::1")]
    [InlineData("inet6:25", "[::]:25", "inet6:25@::")]
    [InlineData("inet:8890@localhost", "127.0.0.1:8890", "inet:8890@127.0.0.1")]
    public void Inet_addresses(string text, string endPoint, string canonical)
    {
        var address = MilterAddress.Parse(text);
        Assert.Equal(endPoint, address.EndPoint.ToString());
        Assert.Equal(canonical, address.ToString());
        Assert.Null(address.UnixPath);
    }

    [Theory]
    [InlineData("unix:/run/milter/f.sock")]
    [InlineData("local:/run/milter/f.sock")]
    public void Unix_addresses(string text)
    {
        var address = MilterAddress.Parse(text);
        Assert.IsType<UnixDomainSocketEndPoint>(address.EndPoint);
        Assert.Equal("/run/milter/f.sock", address.UnixPath);
        Assert.Equal("unix:/run/milter/f.sock", address.ToString());
    }

    [Theory]
    [InlineData("inet:127.0.0.1:8890", "that is Postfix's spelling, inet:HOST:PORT; a milter listens on inet:8890@127.0.0.1")]
    [InlineData("tcp:8890@127.0.0.1", "unknown scheme \"tcp\"")]
    [InlineData("inet:99999@127.0.0.1", "\"99999\" is not a port number")]
    [InlineData("inet:8890@::1", "use inet6:")]
    [InlineData("inet6:8890@127.0.0.1", "is not an IPv6")]
    [InlineData("unix:", "the socket path is missing")]
    [InlineData("unix:/run/milter/a-socket-path-far-too-long-for-sockaddr_un-a-socket-path-far-too-long-for-sockaddr_un-a-socket-path-far-too-long-for-sockaddr_un-f.sock", "the socket path is 147 bytes, longer than a unix socket's address can hold (107 on Linux)")]
    [InlineData("8890", "unknown scheme")]
    public void Bad_addresses_explain_the_accepted_forms(string text, string problem)
    {
        var error = Assert.Throws<MilterAddressException>(() => MilterAddress.Parse(text));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("Use inet:PORT@HOST (inet:8890@127.0.0.1), inet6:PORT@HOST, unix:/path or local:/path.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bound_end_point_gives_the_real_port() =>
        Assert.Equal("inet:34567@127.0.0.1", MilterAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 34567)).ToString());
}
