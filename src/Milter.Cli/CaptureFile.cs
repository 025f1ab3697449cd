using System.Text;
using Milter.Client;

namespace Milter.Cli;

/// <summary>
/// The capture file a recording writes: the notes first, then each connection as one block once it has closed, in the
/// order the connections were opened (a connection that closes early waits for those opened before it).
/// </summary>
internal sealed class CaptureFile : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly SortedDictionary<int, (string Label, IReadOnlyList<string> Lines)> _waiting = [];
    private readonly Lock _gate = new();
    private int _next = 1;

    private CaptureFile(StreamWriter writer) => _writer = writer;

    public static CaptureFile Create(string path, IEnumerable<string> notes)
    {
        // The format is ASCII with LF line ends whatever the platform.
        var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        foreach (var note in notes)
            writer.WriteLine($"# {note}");
        writer.Flush();
        return new CaptureFile(writer);
    }

    /// <summary>Hands over a closed connection; it is written as soon as every connection opened before it is.</summary>
    public void Add(int number, string label, IReadOnlyList<string> lines)
    {
        lock (_gate)
        {
            _waiting[number] = (label, lines);
            while (_waiting.Remove(_next, out var block))
            {
                _writer.WriteLine();
                _writer.WriteLine(MilterCapture.ConnectionLine(_next++, block.Label));
                foreach (var line in block.Lines)
                    _writer.WriteLine(line);
            }

            _writer.Flush();
        }
    }

    public void Dispose() => _writer.Dispose();
}
