namespace Milter.Cli;

/// <summary>A unified diff of two texts by lines (longest common subsequence), enough to show what a milter changed.</summary>
internal static class LineDiff
{
    private const int Context = 3;

    public static IEnumerable<string> Unified(string before, string after, string beforeName = "before", string afterName = "after")
    {
        var a = Lines(before);
        var b = Lines(after);
        var ops = Operations(a, b);
        if (ops.All(o => o.Kind == ' '))
            yield break;
        yield return $"--- {beforeName}";
        yield return $"+++ {afterName}";

        // Group changes with their context into hunks.
        var i = 0;
        while (i < ops.Count)
        {
            if (ops[i].Kind == ' ')
            {
                i++;
                continue;
            }

            var start = Math.Max(0, i - Context);
            var end = i;
            var quiet = 0;
            while (end < ops.Count && quiet <= 2 * Context)
            {
                quiet = ops[end].Kind == ' ' ? quiet + 1 : 0;
                end++;
            }

            end = Math.Min(ops.Count, end - Math.Max(0, quiet - Context));
            var hunk = ops.GetRange(start, end - start);
            var oldStart = ops.Take(start).Count(o => o.Kind != '+') + 1;
            var newStart = ops.Take(start).Count(o => o.Kind != '-') + 1;
            yield return $"@@ -{oldStart},{hunk.Count(o => o.Kind != '+')} +{newStart},{hunk.Count(o => o.Kind != '-')} @@";
            foreach (var op in hunk)
                yield return op.Kind + op.Line;
            i = end;
        }
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');

    private static List<(char Kind, string Line)> Operations(string[] a, string[] b)
    {
        // Messages are small; cap the table so a huge body cannot exhaust memory.
        if ((long)a.Length * b.Length > 25_000_000)
            return [.. a.Select(l => ('-', l)), .. b.Select(l => ('+', l))];
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        }

        var ops = new List<(char, string)>();
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y])
            {
                ops.Add((' ', a[x++]));
                y++;
            }
            else if (lcs[x + 1, y] >= lcs[x, y + 1])
            {
                ops.Add(('-', a[x++]));
            }
            else
            {
                ops.Add(('+', b[y++]));
            }
        }

        while (x < a.Length)
            ops.Add(('-', a[x++]));
        while (y < b.Length)
            ops.Add(('+', b[y++]));
        return ops;
    }
}
