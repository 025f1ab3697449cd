using System.Net.Sockets;
using System.Text;

namespace Milter.IntegrationTests.Support;

/// <summary>One SMTP reply: the code and every line's text.</summary>
internal sealed record SmtpAnswer(int Code, IReadOnlyList<string> Lines)
{
    public override string ToString() => string.Join(" / ", Lines.Select(l => $"{Code} {l}"));
}

/// <summary>A small SMTP client for tests: it shows every reply, multi-line ones included.</summary>
internal sealed class SmtpTestClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly StreamReader _reader;
    private readonly Stream _stream;

    private SmtpTestClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.Latin1);
    }

    /// <summary>Lines the server wrote that are no SMTP reply, such as Sendmail's "olderrors=0, Errors=1" debug print.</summary>
    public IReadOnlyList<string> StrayLines => _stray;

    public static async Task<SmtpTestClient> ConnectAsync(int port, string helo = "client.harness.test")
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new SmtpTestClient(tcp);
        Expect(await client.ReadAnswerAsync(), 220);
        Expect(await client.CommandAsync($"EHLO {helo}"), 250);
        return client;
    }

    public async Task<SmtpAnswer> CommandAsync(string line)
    {
        await WriteAsync(line + "\r\n");
        return await ReadAnswerAsync();
    }

    /// <summary>
    /// Sends one message; returns the first refusal, or the answer to the end of DATA. With <paramref name="goOnAfterRefusedRecipients"/>
    /// a refused RCPT does not end the transaction (the later recipients and DATA still go). A recipient may carry ESMTP
    /// arguments after a space.
    /// </summary>
    public async Task<SmtpAnswer> SendAsync(string from, IEnumerable<string> recipients, string message, bool goOnAfterRefusedRecipients = false)
    {
        var answer = await CommandAsync($"MAIL FROM:<{from}>");
        if (answer.Code != 250)
            return answer;
        foreach (var recipient in recipients)
        {
            // "a@b NOTIFY=NEVER": the address, then ESMTP arguments.
            var space = recipient.IndexOf(' ', StringComparison.Ordinal);
            answer = await CommandAsync(space < 0 ? $"RCPT TO:<{recipient}>" : $"RCPT TO:<{recipient[..space]}>{recipient[space..]}");
            if (answer.Code != 250 && !(goOnAfterRefusedRecipients && answer.Code >= 500))
                return answer;
        }

        answer = await CommandAsync("DATA");
        return answer.Code != 354 ? answer : await SendDataAsync(message);
    }

    /// <summary>After DATA was answered 354: sends the message (LF or CRLF line ends, dot-stuffed here) and returns the answer to its end.</summary>
    public async Task<SmtpAnswer> SendDataAsync(string message)
    {
        var text = new StringBuilder();
        var lines = message.Replace("\r\n", "\n", StringComparison.Ordinal);
        // The last line end is the message's own, not the start of an empty line.
        if (lines.EndsWith('\n'))
            lines = lines[..^1];
        foreach (var line in lines.Split('\n'))
            text.Append(line.StartsWith('.') ? "." + line : line).Append("\r\n");
        text.Append(".\r\n");
        await WriteAsync(text.ToString());
        return await ReadAnswerAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CommandAsync("QUIT");
        }
        catch (IOException)
        {
        }

        _tcp.Dispose();
    }

    private readonly List<string> _stray = [];

    private async Task WriteAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _stream.WriteAsync(bytes);
    }

    private async Task<SmtpAnswer> ReadAnswerAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))
                ?? throw new IOException("The SMTP server closed the connection.");
            lines.Add(line.Length > 4 ? line[4..] : string.Empty);
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), System.Globalization.CultureInfo.InvariantCulture, out var code))
            {
                // Sendmail prints some diagnostics to the SMTP connection (see StrayLines).
                lines.RemoveAt(lines.Count - 1);
                _stray.Add(line);
                continue;
            }

            if (line.Length < 4 || line[3] != '-')
                return new SmtpAnswer(code, lines);
        }
    }

    private static void Expect(SmtpAnswer answer, int code)
    {
        if (answer.Code != code)
            throw new InvalidOperationException($"Expected {code}, got {answer}");
    }
}
