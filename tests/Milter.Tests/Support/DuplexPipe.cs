using System.Buffers;
using System.IO.Pipelines;

namespace Milter.Tests.Support;

/// <summary>Two in-memory pipes wired as a connection: what the MTA writes the milter reads, and back.</summary>
internal sealed class InMemoryConnection
{
    private readonly Pipe _toMilter = new();
    private readonly Pipe _toMta = new();

    public IDuplexPipe MilterSide => new Duplex(_toMilter.Reader, _toMta.Writer);

    public IDuplexPipe MtaSide => new Duplex(_toMta.Reader, _toMilter.Writer);

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}

/// <summary>Reading a whole pipe.</summary>
internal static class PipeReading
{
    /// <summary>Everything the writer sends until it completes.</summary>
    public static async Task<byte[]> ReadAllAsync(this PipeReader reader)
    {
        var output = new ArrayBufferWriter<byte>();
        while (true)
        {
            var result = await reader.ReadAsync();
            foreach (var segment in result.Buffer)
                output.Write(segment.Span);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
                return output.WrittenSpan.ToArray();
        }
    }
}
