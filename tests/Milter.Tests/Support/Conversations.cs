using System.Buffers.Binary;
using CsCheck;

namespace Milter.Tests.Support;

/// <summary>
/// Whole MTA conversations for the session fuzzer: a real one from the captures, then mutated the way a broken or hostile
/// MTA would (frames dropped, repeated, swapped, borrowed from another conversation, bytes flipped, lengths lied about,
/// random frames, a stream cut short), delivered in chunks of a random size, to a handler whose answers are random too.
/// </summary>
internal sealed record Conversation(byte[] Stream, int ChunkSize, int HandlerSeed)
{
    /// <summary>The MTA side of every connection in the captures, frame by frame.</summary>
    public static IReadOnlyList<byte[][]> Seeds { get; } = Capture.FileNames
        .SelectMany(file => Capture.Load(file).Connections)
        .Select(c => c.Packets.Where(p => p.FromMta).Select(p => p.Bytes.ToArray()).ToArray())
        .ToList();

    private static readonly byte[] Commands = "ABCDEHKLMNOQRTU"u8.ToArray();

    // Kinds 0-9 reorder whole frames (the session goes deep); 10-15 break bytes (it must stop cleanly where they are).
    private static readonly Gen<(int Kind, int A, int B, byte Value)> Mutation =
        Gen.Select(Gen.Int[0, 15], Gen.Int[0, 10_000], Gen.Int[0, 10_000], Gen.Byte);

    // Chunk sizes spread evenly over powers of two, so single bytes and whole streams are both common.
    private static readonly Gen<int> ChunkSizes = Gen.Select(Gen.Int[0, 16], Gen.Int[0, 65_535]).Select(t => 1 + (t.Item2 % (1 << t.Item1)));

    public static Gen<Conversation> Generator { get; } = Gen.Select(Gen.Int[0, Seeds.Count - 1], Mutation.Array[0, 6], ChunkSizes, Gen.Int)
        .Select(t => new Conversation(Mutate(Seeds[t.Item1], t.Item2), t.Item3, t.Item4));

    public override string ToString() => $"{Stream.Length} bytes in chunks of {ChunkSize}, handler seed {HandlerSeed}: {Convert.ToHexString(Stream.AsSpan(0, Math.Min(Stream.Length, 200)))}…";

    private static byte[] Mutate(byte[][] seed, (int Kind, int A, int B, byte Value)[] mutations)
    {
        var frames = seed.Select(f => (byte[])f.Clone()).ToList();
        var cut = -1;
        foreach (var (kind, a, b, value) in mutations)
        {
            if (frames.Count == 0)
                break;
            // Mostly after OPTNEG, so that most conversations get past it.
            var i = frames.Count > 1 && a % 10 != 0 ? 1 + (a % (frames.Count - 1)) : a % frames.Count;
            switch (kind)
            {
                case <= 2:
                    frames.RemoveAt(i);
                    break;
                case <= 5:
                    frames.Insert(i, frames[b % frames.Count]);
                    break;
                case <= 7:
                    (frames[i], frames[b % frames.Count]) = (frames[b % frames.Count], frames[i]);
                    break;
                case <= 9:
                    var other = Seeds[b % Seeds.Count];
                    frames.Insert(i, other[a % other.Length]);
                    break;
                case <= 11:
                    var flipped = (byte[])frames[i].Clone();
                    flipped[b % flipped.Length] ^= value == 0 ? (byte)1 : value;
                    frames[i] = flipped;
                    break;
                case 12:
                    var lying = (byte[])frames[i].Clone();
                    BinaryPrimitives.WriteUInt32BigEndian(lying, (uint)(b * value));
                    frames[i] = lying;
                    break;
                case 13:
                    var random = new byte[5 + (b % 64)];
                    new Random(a ^ value).NextBytes(random.AsSpan(5));
                    BinaryPrimitives.WriteUInt32BigEndian(random, (uint)(random.Length - 4));
                    random[4] = Commands[value % Commands.Length];
                    frames.Insert(i, random);
                    break;
                default:
                    cut = b;
                    break;
            }
        }

        var stream = frames.SelectMany(f => f).ToArray();
        return cut < 0 ? stream : stream[..(cut % (stream.Length + 1))];
    }
}
