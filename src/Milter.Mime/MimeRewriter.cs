using Milter.Protocol;
using MimeKit;

namespace Milter.Mime;

/// <summary>What <see cref="MimeRewriter.ApplyChanges"/> sent to the MTA.</summary>
/// <param name="HeaderActions">The number of header actions (change, delete, insert, add).</param>
/// <param name="BodyReplaced">Whether the body was replaced.</param>
public readonly record struct MimeChanges(int HeaderActions, bool BodyReplaced)
{
    /// <summary>Whether anything was sent.</summary>
    public bool Any => HeaderActions > 0 || BodyReplaced;
}

/// <summary>Sends the changes made to a captured <see cref="MimeMessage"/> as the fewest milter actions.</summary>
public static class MimeRewriter
{
    private static readonly FormatOptions WireFormat = CreateWireFormat();

    /// <summary>
    /// Compares <see cref="MessageCapture.Message"/> as it is now with what the MTA sent, and records the difference
    /// on <paramref name="message"/>: header changes as change/delete/insert/add actions with the indexes the MTA
    /// expects, and the body as one replacement, only when its bytes differ. Nothing is sent for an unchanged message.
    /// Needs the ChangeHeaders/AddHeaders actions when headers changed and ChangeBody when the body did.
    /// </summary>
    [UsesActions(ActionFlags.AddHeaders | ActionFlags.ChangeHeaders | ActionFlags.ChangeBody)]
    public static MimeChanges ApplyChanges(this EndOfMessageContext message, MessageCapture capture)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(capture);
        var leadingSpace = (message.Context.Negotiation.Protocol & ProtocolFlags.HeaderLeadingSpace) != 0;
        if (leadingSpace != capture.HeaderLeadingSpace)
        {
            throw new InvalidOperationException(
                $"The capture was set up with HeaderLeadingSpace = {capture.HeaderLeadingSpace}, but the MTA negotiated {(leadingSpace ? "" : "no ")}HDR_LEADSPC. Set MessageCaptureOptions.HeaderLeadingSpace as the filter declares it.");
        }

        var rewritten = capture.CreateBuffer();
        try
        {
            using (var output = rewritten.OpenWrite())
                capture.Message.WriteTo(WireFormat, output);

            List<CapturedHeader> headers;
            long bodyStart;
            using (var input = rewritten.OpenRead())
                (headers, bodyStart) = WireHeaders.Read(input, leadingSpace);

            var edits = HeaderDiff.Compute(capture.Headers, headers);
            foreach (var edit in edits)
                Send(message, edit);

            bool bodyChanged;
            using (var newBody = rewritten.OpenRead(bodyStart))
            using (var oldBody = capture.OpenBody())
                bodyChanged = !SameContent(oldBody, newBody);
            if (bodyChanged)
            {
                // Streamed from the rewritten copy after the handler returns; the stream owns that copy from here.
                message.ReplaceBody(rewritten.OpenRead(bodyStart, owner: rewritten));
                rewritten = null;
            }

            return new MimeChanges(edits.Count, bodyChanged);
        }
        finally
        {
            rewritten?.Dispose();
        }
    }

    private static void Send(EndOfMessageContext message, HeaderEdit edit)
    {
        switch (edit.Kind)
        {
            case HeaderEditKind.Insert:
                message.InsertHeader(edit.Index, edit.Name, edit.Value);
                break;
            case HeaderEditKind.Change:
                message.ChangeHeader(edit.Name, edit.Value, edit.Index);
                break;
            case HeaderEditKind.Delete:
                message.DeleteHeader(edit.Name, edit.Index);
                break;
            default:
                message.AddHeader(edit.Name, edit.Value);
                break;
        }
    }

    private static FormatOptions CreateWireFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }

    // Line ends at the very end do not count: MimeKit closes a multipart whose end boundary never came with an
    // extra CRLF, and replacing a whole body for that would be a change nobody made.
    private static bool SameContent(Stream a, Stream b)
    {
        var length = WithoutTrailingLineEnds(a);
        if (length != WithoutTrailingLineEnds(b))
            return false;
        a.Position = 0;
        b.Position = 0;
        Span<byte> left = stackalloc byte[4096];
        Span<byte> right = stackalloc byte[4096];
        for (long done = 0; done < length;)
        {
            var count = (int)Math.Min(left.Length, length - done);
            a.ReadExactly(left[..count]);
            b.ReadExactly(right[..count]);
            if (!left[..count].SequenceEqual(right[..count]))
                return false;
            done += count;
        }

        return true;
    }

    private static long WithoutTrailingLineEnds(Stream stream)
    {
        var length = stream.Length;
        Span<byte> last = stackalloc byte[1];
        while (length > 0)
        {
            stream.Position = length - 1;
            stream.ReadExactly(last);
            if (last[0] is not ((byte)'\r' or (byte)'\n'))
                break;
            length--;
        }

        return length;
    }

}
