using System.Buffers;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// Shows a part the content as the earlier parts left it. Behind <c>smtpd_milters = A, B</c> (Postfix's cleanup, Sendmail's
/// milter_data) the MTA shows B the headers and body after applying A's end-of-message changes. A part that reads content and
/// comes after a part that may change it (<see cref="PartRun.Replayed"/>) is not called as the content arrives: the pipeline
/// holds the content (<see cref="HeldContent"/>) and, at end of message once the earlier parts' changes are recorded, shows
/// it the headers as they now stand, the end of headers and the body as it now stands, then calls its end of message.
/// One per SMTP connection, like its pipeline handler.
/// </summary>
internal sealed class ContentReplay(MilterComposition composition, PartCaller caller) : IDisposable
{
    private HeldContent? _held;

    /// <summary>Whether a message on this connection held content for a replayed part (the holder is made for the first).</summary>
    public bool HasHeldContent => _held is not null;

    /// <summary>At the start of a message: which parts are shown their content at end of message, and what to hold for them.</summary>
    public void Plan(PartRun[] parts)
    {
        var changedBefore = false;
        var headers = false;
        var body = false;
        foreach (var part in parts)
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
            Release();
    }

    /// <summary>
    /// Keeps what the replayed parts will read of a header or body chunk as it arrives; false when the body cannot be kept
    /// (its temporary file cannot be written: logged, and the message is tempfailed, as nothing can be shown to those parts).
    /// </summary>
    public bool Hold<TArgument>(MilterContext context, MilterSteps step, TArgument argument)
    {
        if (_held is not { } held)
            return true;
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
                Failed(e, context, step);
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Shows a part its headers, end of headers and body as the earlier parts left them, with the verdict rules of those steps;
    /// returns the verdict when it ends the message (the part may also have left it: accept, failure, dry run).
    /// </summary>
    public async ValueTask<MilterVerdict?> ReplayAsync(PartRun part, EndOfMessageContext message, CancellationToken cancellationToken)
    {
        var context = message.Context;
        if (part.Handles(MilterSteps.Header))
        {
            foreach (var header in _held!.CurrentHeaders(message.Changes))
            {
                if (await caller.CallAndApplyAsync(part, context, MilterSteps.Header, header, static (h, c, a, t) => h.OnHeaderAsync(c, a, t), cancellationToken)
                        .ConfigureAwait(false) is { } final)
                    return final;
                if (!part.Open)
                    return null;
            }
        }

        if (part.Handles(MilterSteps.EndOfHeaders))
        {
            if (await caller.CallAndApplyAsync(part, context, MilterSteps.EndOfHeaders, 0, static (h, c, _, t) => h.OnEndOfHeadersAsync(c, t), cancellationToken)
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
            (body, owned) = await _held!.CurrentBodyAsync(message.Changes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // An earlier part's replacement stream failed, or the temporary file: as when a replacement cannot be sent, the
            // message is tempfailed and no change is sent half-made.
            Failed(e, context, MilterSteps.EndOfMessage);
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
                if (await caller.CallAndApplyAsync(part, context, MilterSteps.Body, new ReadOnlyMemory<byte>(chunk, 0, read),
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

    /// <summary>The message ended (answered or aborted): what was held goes (a replacement is the changes' until sent).</summary>
    public void Release() => _held?.Start(false, false);

    /// <summary>Deletes what is held, the body's temporary file included.</summary>
    public void Dispose() => _held?.Dispose();

    private void Failed(Exception exception, MilterContext context, MilterSteps step)
    {
        PipelineLog.HeldContentFailed(composition.Logger, exception, composition.Name, context.QueueIdForLog);
        MilterMetrics.RecordHandlerError(step, exception.GetType().FullName ?? "exception");
    }
}
