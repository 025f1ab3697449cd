using System.Text;
using Milter.Protocol;

namespace Milter;

/// <summary>What a dry-run part would have done with one message: its deciding verdict and step, refused recipients, changes.</summary>
internal sealed class DryRunRecord
{
    private readonly List<MilterResponseCode> _changes = [];

    /// <summary>The verdict that would have ended the message (or the connection), or the end-of-message verdict.</summary>
    public MilterVerdict Verdict { get; private set; }

    public MilterSteps Step { get; private set; }

    public int RefusedRecipients { get; private set; }

    public void Clear()
    {
        (Verdict, Step, RefusedRecipients) = (MilterVerdict.Continue, MilterSteps.None, 0);
        _changes.Clear();
    }

    public void Record(MilterSteps step, MilterVerdict verdict)
    {
        if (step == MilterSteps.Rcpt)
        {
            if (verdict.Kind is MilterVerdictKind.Reject or MilterVerdictKind.Tempfail or MilterVerdictKind.Reply)
                RefusedRecipients++;
            return;
        }

        if (Verdict.IsFinal || (!verdict.IsFinal && step != MilterSteps.EndOfMessage))
            return;
        (Verdict, Step) = (verdict, step);
    }

    public void RecordChanges(List<MilterResponseCode> codes) => _changes.AddRange(codes);

    /// <summary>The metric's verdict tag; a verdict with a reply is named by its kind (reject or tempfail).</summary>
    public string VerdictName => Verdict.Reply is { } reply
        ? MilterMetrics.VerdictName(reply.IsPermanent ? MilterVerdictKind.Reject : MilterVerdictKind.Tempfail)
        : MilterMetrics.VerdictName(Verdict.Kind);

    /// <summary>
    /// One line: <c>reject 550 5.7.1 Spam at end_of_headers</c>, <c>continue; 1 recipient refused; add_header, change_header</c>.
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder(VerdictName);
        if (Verdict.Reply is { } reply)
            text.Append(' ').Append(reply.ToString().ReplaceLineEndings(" "));
        if (Step != MilterSteps.None && Verdict.IsFinal)
            text.Append(" at ").Append(MilterMetrics.StepName(Step));
        if (RefusedRecipients > 0)
            text.Append("; ").Append(RefusedRecipients).Append(RefusedRecipients == 1 ? " recipient refused" : " recipients refused");
        if (_changes.Count > 0)
            text.Append("; ").AppendJoin(", ", _changes.Select(MilterMetrics.ActionName));
        return text.ToString();
    }
}
