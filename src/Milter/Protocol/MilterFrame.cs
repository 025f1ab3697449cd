namespace Milter.Protocol;

/// <summary>
/// One packet of the milter protocol: the command byte and its payload.
/// The payload is only valid until the buffer it came from is advanced past it.
/// </summary>
public readonly struct MilterFrame
{
    /// <summary>Creates a frame from a command byte and a payload.</summary>
    public MilterFrame(byte command, ReadOnlyMemory<byte> payload)
    {
        Command = command;
        Payload = payload;
        PayloadLength = payload.Length;
    }

    /// <summary>A frame whose payload was left unread (see <see cref="MilterFrameReader.SkipsBodyPayload"/>).</summary>
    internal MilterFrame(byte command, int payloadLength)
    {
        Command = command;
        PayloadLength = payloadLength;
    }

    /// <summary>The payload's length on the wire, also when its bytes were left unread.</summary>
    internal int PayloadLength { get; }

    /// <summary>The command byte as it came off the wire.</summary>
    public byte Command { get; }

    /// <summary>The bytes after the command byte; contiguous.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The command byte as an MTA-to-milter command.</summary>
    public MilterCommandCode CommandCode => (MilterCommandCode)Command;

    /// <summary>The command byte as a milter-to-MTA response.</summary>
    public MilterResponseCode ResponseCode => (MilterResponseCode)Command;

    /// <summary>The command byte as it would be printed in a log: the character and its hex value.</summary>
    public string DescribeCommand() => Describe(Command);

    internal static string Describe(byte command) =>
        command is >= 0x21 and < 0x7F ? $"'{(char)command}' (0x{command:X2})" : $"0x{command:X2}";
}
