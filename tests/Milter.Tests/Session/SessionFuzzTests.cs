using System.Buffers;
using CsCheck;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Session;

/// <summary>
/// The session fuzzer: mutated real conversations (<see cref="Conversation"/>) against a random handler. Whatever the MTA
/// sends, the session ends by itself, never throws, answers only well-formed responses in a legal order, and keeps its
/// promises to the handler. A short run here; tests/fuzz.sh runs it for as long as asked (MILTER_FUZZ_SECONDS).
/// </summary>
public class SessionFuzzTests
{
    private static readonly MilterResponseCode[] Changes =
    [
        MilterResponseCode.AddRecipient, MilterResponseCode.DeleteRecipient, MilterResponseCode.AddRecipientWithParameters,
        MilterResponseCode.ReplaceBody, MilterResponseCode.ChangeSender, MilterResponseCode.AddHeader,
        MilterResponseCode.InsertHeader, MilterResponseCode.ChangeHeader, MilterResponseCode.Quarantine,
    ];

    [Fact]
    public async Task Mutated_real_conversations_end_cleanly_with_well_formed_answers()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("MILTER_FUZZ_SECONDS"), out var s) ? s : -1;
        var runs = 0;
        await Conversation.Generator.SampleAsync(c =>
        {
            Interlocked.Increment(ref runs);
            return RunAsync(c);
        }, iter: seconds > 0 ? -1 : 1500, time: seconds, threads: seconds > 0 ? -1 : 1);
        if (seconds > 0)
            Console.WriteLine($"session fuzzer: {runs} conversations in {seconds} s, no failure");
    }

    private static async Task RunAsync(Conversation conversation)
    {
        var handlers = new List<FuzzHandler>();
        var factory = MilterHandlerFactory.Create(new MilterDescription { Actions = ActionFlags.AddHeaders }, () =>
        {
            var handler = new FuzzHandler(conversation.HandlerSeed + handlers.Count);
            handlers.Add(handler);
            return handler;
        });
        var connection = new InMemoryConnection();
        var session = new MilterSession(factory, new MilterSessionOptions { Mta = MtaKind.Postfix, ProgressInterval = null });
        var run = session.RunAsync(connection.MilterSide);
        var answers = connection.MtaSide.Input.ReadAllAsync();

        for (var offset = 0; offset < conversation.Stream.Length; offset += conversation.ChunkSize)
        {
            var chunk = conversation.Stream.AsMemory(offset, Math.Min(conversation.ChunkSize, conversation.Stream.Length - offset));
            if ((await connection.MtaSide.Output.WriteAsync(chunk)).IsCompleted)
                break;
        }

        await connection.MtaSide.Output.CompleteAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10)); // ends by itself, and does not throw
        CheckAnswers(await answers.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.All(handlers, h => Assert.Null(h.Violation));
    }

    /// <summary>Every answer parses; OPTNEG comes first and once; message changes only run up to a final verdict.</summary>
    private static void CheckAnswers(byte[] answers)
    {
        var reader = new MilterFrameReader(FrameSource.Milter);
        var buffer = new ReadOnlySequence<byte>(answers);
        var count = 0;
        var changing = false;
        while (reader.TryRead(buffer, out var frame, out var consumed))
        {
            var response = MilterResponse.Parse(frame);
            Assert.True(response.Code != MilterResponseCode.OptionNegotiation || count == 0, "OPTNEG answered twice or late");
            if (Changes.Contains(response.Code))
                changing = true;
            else if (response.IsFinal)
                changing = false;
            else
                Assert.False(changing && response.Code != MilterResponseCode.Progress, $"{response.Code} in the middle of message changes");
            buffer = buffer.Slice(consumed);
            count++;
        }

        Assert.True(buffer.IsEmpty, $"{buffer.Length} bytes of a partial answer");
        Assert.False(changing, "message changes without a final verdict after them");
    }
}
