using Milter.Protocol;

namespace Milter;

/// <summary>
/// What a handler call is given besides the context, made by the step it is for and read by that step's name: the
/// connection, HELO name, sender, recipient or end-of-message context; or the frame's bytes (header name and value, body
/// chunk, unknown command), valid during the call. Over a transport that cannot hold its buffers the session swaps the
/// bytes for a copy (<see cref="WithBytes"/>).
/// </summary>
internal readonly struct StepArguments
{
    private readonly object? _subject;

    private StepArguments(object? subject, ReadOnlyMemory<byte> first = default, ReadOnlyMemory<byte> second = default, bool abortFirst = false) =>
        (_subject, First, Second, AbortFirst) = (subject, first, second, abortFirst);

    /// <summary>The frame's bytes the handler reads (a header's name, a body chunk, an unknown command), or none.</summary>
    public ReadOnlyMemory<byte> First { get; }

    /// <summary>A header's value, or none.</summary>
    public ReadOnlyMemory<byte> Second { get; }

    /// <summary>Close: the open message is owed an abort first.</summary>
    public bool AbortFirst { get; }

    public ConnectionInfo Connection => (ConnectionInfo)_subject!;

    public string HeloName => (string)_subject!;

    public Sender Sender => (Sender)_subject!;

    public Recipient Recipient => (Recipient)_subject!;

    public EndOfMessageContext Message => (EndOfMessageContext)_subject!;

    public HeaderField Header => new(First, Second);

    public ReadOnlyMemory<byte> Chunk => First;

    public string UnknownCommand => WireText.Decode(First.Span);

    public static StepArguments ForConnect(ConnectionInfo connection) => new(connection);

    public static StepArguments ForHelo(string heloName) => new(heloName);

    public static StepArguments ForMail(Sender sender) => new(sender);

    public static StepArguments ForRcpt(Recipient recipient) => new(recipient);

    public static StepArguments ForHeader(ReadOnlyMemory<byte> name, ReadOnlyMemory<byte> value) => new(null, name, value);

    public static StepArguments ForBody(ReadOnlyMemory<byte> chunk) => new(null, chunk);

    public static StepArguments ForUnknown(ReadOnlyMemory<byte> command) => new(null, command);

    public static StepArguments ForEndOfMessage(EndOfMessageContext message) => new(message);

    public static StepArguments ForClose(bool abortFirst) => new(null, abortFirst: abortFirst);

    /// <summary>The same arguments over other bytes (a copy of the frame's).</summary>
    public StepArguments WithBytes(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second) => new(_subject, first, second, AbortFirst);
}
