using System.Buffers;

namespace Milter.Tests.Support;

/// <summary>Hex helpers: tests state packets the way the protocol document and the captures write them.</summary>
internal static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    /// <summary>A whole packet: the big-endian length (payload + 1), the command byte, the payload.</summary>
    public static string Packet(char command, ReadOnlySpan<byte> payload) =>
        $"{payload.Length + 1:x8}{(byte)command:x2}{Of(payload)}";

    public static string Written(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Of(buffer.WrittenSpan);
    }
}
