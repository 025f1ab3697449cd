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
