using System.Buffers;

namespace Milter.Tests.Support;

/// <summary>Builds multi-segment sequences, to prove parsers work across buffer boundaries.</summary>
internal static class Segments
{
    /// <summary>The bytes split at the given offsets into separate segments.</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        var bounds = cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order().Append(bytes.Length).ToArray();
        Segment? first = null, last = null;
        var start = 0;
        foreach (var end in bounds)
        {
            // Each segment gets its own array so nothing can read past a boundary by accident.
            var piece = bytes.AsSpan(start, end - start).ToArray();
            var segment = new Segment(piece);
            if (first is null)
                first = segment;
            else
                last!.Append(segment);
            last = segment;
            start = end;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    /// <summary>Every way to cut the bytes into two segments, and into single bytes.</summary>
    public static IEnumerable<ReadOnlySequence<byte>> AllSplits(byte[] bytes)
    {
        for (var cut = 0; cut <= bytes.Length; cut++)
            yield return Split(bytes, cut);
        yield return Split(bytes, Enumerable.Range(1, Math.Max(0, bytes.Length - 1)).ToArray());
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes) => Memory = bytes;

        public void Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }
}
