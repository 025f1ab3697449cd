namespace Milter.Tests.Support;

/// <summary>A handler that writes down every call and can be told what to answer or to throw at each step.</summary>
internal sealed class RecordingHandler : IMilterHandler, IDisposable
{
    private readonly List<string> _calls;

    public RecordingHandler(List<string> calls) => _calls = calls;

    public Dictionary<MilterSteps, Func<MilterVerdict>> Verdicts { get; } = [];

    public Action<EndOfMessageContext>? EndOfMessage { get; set; }

    public Func<EndOfMessageContext, Task<MilterVerdict>>? EndOfMessageAsync { get; set; }

    public ValueTask<MilterVerdict> OnConnectAsync(MilterContext context, ConnectionInfo connection, CancellationToken cancellationToken) =>
        Record(MilterSteps.Connect, $"connect {connection.HostName} {connection.Family} {connection.Address}:{connection.Port}");

    public ValueTask<MilterVerdict> OnHeloAsync(MilterContext context, string heloName, CancellationToken cancellationToken) =>
        Record(MilterSteps.Helo, $"helo {heloName}");

    public ValueTask<MilterVerdict> OnMailAsync(MilterContext context, Sender sender, CancellationToken cancellationToken) =>
        Record(MilterSteps.Mail, $"mail {sender} {string.Join(' ', sender.Arguments)}".TrimEnd());

    public ValueTask<MilterVerdict> OnRcptAsync(MilterContext context, Recipient recipient, CancellationToken cancellationToken) =>
        Record(MilterSteps.Rcpt, $"rcpt {recipient}");

    public ValueTask<MilterVerdict> OnDataAsync(MilterContext context, CancellationToken cancellationToken) => Record(MilterSteps.Data, "data");

    public ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken) =>
        Record(MilterSteps.Header, $"header {header.Name}: {header.Value}");

    public ValueTask<MilterVerdict> OnEndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken) => Record(MilterSteps.EndOfHeaders, "eoh");

    public ValueTask<MilterVerdict> OnBodyChunkAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
        Record(MilterSteps.Body, $"body {chunk.Length}");

    public async ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        var verdict = await Record(MilterSteps.EndOfMessage, "eom");
        EndOfMessage?.Invoke(message);
        if (EndOfMessageAsync is not null)
            verdict = await EndOfMessageAsync(message);
        return verdict;
    }

    public ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        Add("abort");
        return ValueTask.CompletedTask;
    }

    public ValueTask OnCloseAsync(MilterContext context, CancellationToken cancellationToken)
    {
        Add("close");
        return ValueTask.CompletedTask;
    }

    public ValueTask<MilterVerdict> OnUnknownAsync(MilterContext context, string command, CancellationToken cancellationToken) =>
        Record(MilterSteps.Unknown, $"unknown {command}");

    public void Dispose() => Add("dispose");

    // The session may still be closing the connection while a test reads the calls: every write is locked (read them with
    // PipelineHarness.Steps).
    private void Add(string call)
    {
        lock (_calls)
            _calls.Add(call);
    }

    private ValueTask<MilterVerdict> Record(MilterSteps step, string call)
    {
        Add(call);
        return ValueTask.FromResult(Verdicts.TryGetValue(step, out var verdict) ? verdict() : MilterVerdict.Continue);
    }
}
