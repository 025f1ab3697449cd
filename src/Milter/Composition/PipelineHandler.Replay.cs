using System.Buffers;
using System.Runtime.InteropServices;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// The content as the earlier parts left it. Behind <c>smtpd_milters = A, B</c> (Postfix's cleanup, Sendmail's milter_data)
/// the MTA shows B the headers and body after applying A's end-of-message changes. A part that reads content and comes after
/// a part that may change it (<see cref="PartRun.Replayed"/>) is not called as the content arrives: the pipeline holds the
/// content (<see cref="HeldContent"/>) and, at end of message once the earlier parts' changes are recorded, shows it the
/// headers as they now stand, the end of headers and the body as it now stands, then calls its end of message.
/// </summary>
internal sealed partial class PipelineHandler
{
    private HeldContent? _held;

    /// <summary>Whether a message on this connection held content for a replayed part (the holder is made for the first).</summary>
    internal bool HasHeldContent => _held is not null;

    /// <summary>At the start of a message: which parts are shown their content at end of message, and what to hold for them.</summary>
    private void PlanReplay()
    {
        var changedBefore = false;
        var headers = false;
        var body = false;
        foreach (var part in _parts)
        {
            part.Replayed = part.Open && changedBefore && part.ReadsContent;
            headers |= part.Replayed && part.Handles(MilterSteps.Header);
            body |= part.Replayed && part.Handles(MilterSteps.Body);
            changedBefore |= part.Open && part.MayChangeContent;
        }

        // An ordinary pipeline (no part reads content after one that changes it) holds nothing.
        if (headers || body)
            (_held ??= new HeldContent()).Start(headers, body);
        else
            _held?.Start(false, false);
    }

    /// <summary>
    /// Keeps what the replayed parts will read of a header or body chunk as it arrives; false when the body cannot be kept
    /// (its temporary file cannot be written: logged, and the message is tempfailed, as nothing can be shown to those parts).
    /// </summary>
    private bool Hold<TArgument>(HeldContent held, MilterContext context, MilterSteps step, TArgument argument)
    {
        if (step == MilterSteps.Header && held.HoldsHeaders && argument is HeaderField header)
        {
            held.Hold(header);
            // The header list's positions need the names; the session keeps them for every MTA but Postfix.
            if (context.Mta == MtaKind.Postfix)
                context.AddHeaderName(header.Name);
        }
        else if (step == MilterSteps.Body && held.HoldsBody && argument is ReadOnlyMemory<byte> chunk)
        {
            try
            {
                held.Body.Append(chunk.Span);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                HeldContentFailed(e, context, step);
                return false;
            }
        }

        return true;
    }

    private void HeldContentFailed(Exception exception, MilterContext context, MilterSteps step)
    {
        PipelineLog.HeldContentFailed(_composition.Logger, exception, _composition.Name, context.QueueId);
        MilterMetrics.RecordHandlerError(step, exception.GetType().FullName ?? "exception");
    }

    /// <summary>
    /// Shows a part its headers, end of headers and body as the earlier parts left them, with the verdict rules of those steps;
    /// returns the verdict when it ends the message (the part may also have left it: accept, failure, dry run).
    /// </summary>
    private async ValueTask<MilterVerdict?> ReplayAsync(PartRun part, EndOfMessageContext message, CancellationToken cancellationToken)
    {
        var context = message.Context;
        if (part.Handles(MilterSteps.Header))
        {
            foreach (var header in CurrentHeaders(message.Changes))
            {
                if (await CallAndApplyAsync(part, context, MilterSteps.Header, header, static (h, c, a, t) => h.OnHeaderAsync(c, a, t), cancellationToken)
                        .ConfigureAwait(false) is { } final)
                    return final;
                if (!part.Open)
                    return null;
            }
        }

        if (part.Handles(MilterSteps.EndOfHeaders))
        {
            if (await CallAndApplyAsync(part, context, MilterSteps.EndOfHeaders, 0, static (h, c, _, t) => h.OnEndOfHeadersAsync(c, t), cancellationToken)
                    .ConfigureAwait(false) is { } final)
                return final;
            if (!part.Open)
                return null;
        }

        if (!part.Handles(MilterSteps.Body) || part.SkipBody)
            return null;
        Stream body;
        bool owned;
        try
        {
            (body, owned) = await CurrentBodyAsync(message.Changes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // An earlier part's replacement stream failed, or the temporary file: as when a replacement cannot be sent, the
            // message is tempfailed and no change is sent half-made.
            HeldContentFailed(e, context, MilterSteps.EndOfMessage);
            return MilterVerdict.Tempfail();
        }

        // In chunks as the MTA sends them.
        var chunk = ArrayPool<byte>.Shared.Rent(MilterResponseWriter.BodyChunkLength);
        try
        {
            int read;
            while ((read = await body.ReadAtLeastAsync(chunk.AsMemory(0, MilterResponseWriter.BodyChunkLength), MilterResponseWriter.BodyChunkLength,
                       throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (await CallAndApplyAsync(part, context, MilterSteps.Body, new ReadOnlyMemory<byte>(chunk, 0, read),
                        static (h, c, a, t) => h.OnBodyChunkAsync(c, a, t), cancellationToken).ConfigureAwait(false) is { } final)
                    return final;
                if (!part.Open || part.SkipBody)
                    return null;
            }

            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            // The replacement the changes own is rewound for the next part and for sending.
            if (owned)
                await body.DisposeAsync().ConfigureAwait(false);
            else
                body.Position = 0;
        }
    }

    /// <summary>The headers as the MTA would now show them: as received, with the changes recorded so far (in their index meaning).</summary>
    private IEnumerable<HeaderField> CurrentHeaders(MessageChanges changes)
    {
        var received = _held!.Headers;
        if (changes.ChangedHeaders is not { } list)
            return received;
        return list.Visible()
            .Where(h => h.Value is not null || (uint)h.Source < (uint)received.Count)
            .Select(h => h.Value is { } value ? HeldContent.Written(h.Name, value) : received[h.Source]);
    }

    /// <summary>
    /// The body as it now stands, and whether the reader is the caller's to dispose: a replacement recorded so far, or the body
    /// as received. A replacement given as a stream is read once into a <see cref="HeldBody"/> (memory, then a file) that the
    /// changes then own and send from (<see cref="HeldContent.Replacement"/>); the caller rewinds it.
    /// </summary>
    private async ValueTask<(Stream Body, bool Owned)> CurrentBodyAsync(MessageChanges changes, CancellationToken cancellationToken)
    {
        var held = _held!;
        var (bytes, stream) = changes.Body;
        if (bytes is { } replaced)
        {
            return (MemoryMarshal.TryGetArray(replaced, out var array)
                ? new MemoryStream(array.Array!, array.Offset, array.Count, writable: false)
                : new MemoryStream(replaced.ToArray(), writable: false), true);
        }

        if (stream is null)
            return (held.Body.OpenRead(), true);
        if (!ReferenceEquals(stream, held.Replacement))
        {
            using var copy = new HeldBody();
            await copy.AppendAsync(stream, cancellationToken).ConfigureAwait(false);
            held.Replacement = copy.Detach();
            changes.SetBody(null, held.Replacement, leaveOpen: false);
        }

        return (held.Replacement, false);
    }
}
