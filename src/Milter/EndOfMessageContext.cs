using System.Buffers;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// The end-of-message step: the only place a milter can change the message. Changes are checked when made
/// (negotiated action, valid values) and sent together with the final verdict, in one write.
/// The object is valid only while the end-of-message handler runs; using it later throws.
/// </summary>
public sealed class EndOfMessageContext
{
    private readonly ArrayBufferWriter<byte> _actions;
    private readonly List<MilterResponseCode> _actionCodes;
    private HeaderEditTranslator? _headers;
    private bool _active = true;

    /// <summary>A context for one message, recording into <paramref name="changes"/> (cleared here when <paramref name="fresh"/>).</summary>
    internal EndOfMessageContext(MilterContext context, IMessageOutput output, MessageChanges changes, bool fresh = true)
    {
        Context = context;
        Output = output;
        if (fresh)
            changes.Clear();
        Changes = changes;
        _actions = changes.Packets;
        _actionCodes = changes.Codes;
    }

    /// <summary>The connection's context: negotiated options, connection, envelope, macros.</summary>
    public MilterContext Context { get; }

    /// <summary>The sender of this message.</summary>
    public Sender? Sender => Context.Sender;

    /// <summary>
    /// The recipients of this message as RCPT gave them (<see cref="EnvelopeAddress.RawAddress"/> in angle brackets), those
    /// refused included; <see cref="MessageRecipients"/> tells which were accepted.
    /// </summary>
    public IReadOnlyList<Recipient> Recipients => Context.Recipients;

    /// <summary>
    /// The recipients of this message in one spelling (no angle brackets), each with its ESMTP arguments and whether the
    /// MTA and this filter accepted it; <see cref="MessageRecipients.Accepted"/> lists where the message goes.
    /// </summary>
    public MessageRecipients MessageRecipients => Context.MessageRecipients;

    /// <summary>The macros in scope.</summary>
    public MilterMacros Macros => Context.Macros;

    /// <summary>The MTA's queue id, when sent.</summary>
    public string? QueueId => Context.QueueId;

    /// <summary>The actions made so far, in order (for logs and tests).</summary>
    public IReadOnlyList<MilterResponseCode> Actions => _actionCodes;

    /// <summary>What the handler changed, written by the session after the handler returns.</summary>
    internal MessageChanges Changes { get; }

    /// <summary>Where PROGRESS goes.</summary>
    internal IMessageOutput Output { get; }

    /// <summary>
    /// The changes this handler may make, when narrower than the negotiated ones: a pipeline part may make only those it
    /// described, whatever the other parts asked for.
    /// </summary>
    internal ActionFlags? AllowedActions { get; init; }

    /// <summary>
    /// Header values get one leading space added: the MTA keeps values as sent (SMFIP_HDR_LEADSPC was negotiated for
    /// another pipeline part) but this handler writes them as without that option.
    /// </summary>
    internal bool AddLeadingSpace { get; init; }

    /// <summary>
    /// Appends a header after the existing ones (SMFIR_ADDHEADER; needs <see cref="ActionFlags.AddHeaders"/>). Behind
    /// Sendmail, a header Sendmail generates or keeps hidden (Date, Message-Id, From, Resent-Date, Resent-From,
    /// Resent-Message-Id, Full-Name) takes the place of Sendmail's own below its Received:, as with libmilter, so the
    /// message never carries two; any other name is sent as an insert past the end, because Sendmail would put it
    /// before the first header of the same name.
    /// </summary>
    /// <remarks>
    /// Header changes mean the same behind every MTA (<see cref="MilterContext.Mta"/>): indexes count the headers as
    /// they are when the call is made, after this handler's earlier changes, and the runtime translates them for
    /// Sendmail, which counts deleted and hidden headers.
    /// </remarks>
    public void AddHeader(string name, string value)
    {
        Check(ActionFlags.AddHeaders, nameof(AddHeader));
        var folded = Fold(value);
        var (asInsert, index) = Headers.Add(name, folded);
        if (asInsert)
            MilterResponseWriter.WriteInsertHeader(_actions, index, name, folded);
        else
            MilterResponseWriter.WriteAddHeader(_actions, name, folded);
        _actionCodes.Add(asInsert ? MilterResponseCode.InsertHeader : MilterResponseCode.AddHeader);
    }

    /// <summary>
    /// Inserts a header before the <paramref name="index"/>-th header (0-based), counting the MTA's own Received: as
    /// header 0: 0 puts it at the very top, above that Received:, 1 right below it (SMFIR_INSHEADER; needs
    /// <see cref="ActionFlags.AddHeaders"/>). Past the end, it is appended.
    /// </summary>
    public void InsertHeader(int index, string name, string value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Check(ActionFlags.AddHeaders, nameof(InsertHeader));
        var folded = Fold(value);
        var wire = Headers.Insert(index, name, folded);
        MilterResponseWriter.WriteInsertHeader(_actions, wire, name, folded);
        _actionCodes.Add(MilterResponseCode.InsertHeader);
    }

    /// <summary>
    /// Changes the <paramref name="index"/>-th (1-based) header called <paramref name="name"/>, counting as the headers
    /// are now; when there is no such header, it is added (SMFIR_CHGHEADER; needs <see cref="ActionFlags.ChangeHeaders"/>).
    /// </summary>
    public void ChangeHeader(string name, string value, int index = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        ArgumentException.ThrowIfNullOrEmpty(value);
        Check(ActionFlags.ChangeHeaders, nameof(ChangeHeader));
        var folded = Fold(value);
        var wire = Headers.Change(name, index, folded);
        MilterResponseWriter.WriteChangeHeader(_actions, wire, name, folded);
        _actionCodes.Add(MilterResponseCode.ChangeHeader);
    }

    /// <summary>
    /// Deletes the <paramref name="index"/>-th (1-based) header called <paramref name="name"/>, counting as the headers
    /// are now (SMFIR_CHGHEADER with an empty value; needs <see cref="ActionFlags.ChangeHeaders"/>).
    /// </summary>
    public void DeleteHeader(string name, int index = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        Check(ActionFlags.ChangeHeaders, nameof(DeleteHeader));
        var wire = Headers.Delete(name, index);
        MilterResponseWriter.WriteChangeHeader(_actions, wire, name, string.Empty);
        _actionCodes.Add(MilterResponseCode.ChangeHeader);
    }

    /// <summary>Changes the envelope sender, with optional ESMTP arguments (SMFIR_CHGFROM; needs <see cref="ActionFlags.ChangeSender"/>).</summary>
    /// <param name="sender">The new sender, in angle brackets: <c>&lt;a@example.com&gt;</c>.</param>
    /// <param name="esmtpArguments">
    /// MAIL parameters separated by spaces, such as <c>RET=HDRS ENVID=abc</c>. Only what the MTA keeps is allowed: Postfix
    /// keeps <c>RET</c> and <c>ENVID</c> (and drops others with a warning in its log), Sendmail also <c>SIZE</c>, <c>BODY</c>,
    /// <c>AUTH</c> and <c>SMTPUTF8</c>; before the MTA is known (<see cref="MilterContext.Mta"/>), any of those.
    /// </param>
    /// <exception cref="ArgumentException">An argument is not RFC 5321/3461 syntax, or the MTA would not keep it; the message names both.</exception>
    public void ChangeSender(string sender, string? esmtpArguments = null)
    {
        Check(ActionFlags.ChangeSender, nameof(ChangeSender));
        if (!string.IsNullOrEmpty(esmtpArguments))
            EsmtpArgumentCheck.Validate(esmtpArguments, forSender: true, Context.Mta, nameof(ChangeSender), nameof(esmtpArguments));
        MilterResponseWriter.WriteChangeSender(_actions, sender, esmtpArguments);
        _actionCodes.Add(MilterResponseCode.ChangeSender);
    }

    /// <summary>
    /// Adds a recipient (SMFIR_ADDRCPT; needs <see cref="ActionFlags.AddRecipients"/>), or with ESMTP arguments
    /// (SMFIR_ADDRCPT_PAR; needs <see cref="ActionFlags.AddRecipientsWithParameters"/>).
    /// </summary>
    /// <param name="recipient">The recipient, in angle brackets: <c>&lt;a@example.com&gt;</c>.</param>
    /// <param name="esmtpArguments">
    /// RCPT parameters separated by spaces: <c>NOTIFY</c> and <c>ORCPT</c>, the two both MTAs keep
    /// (<c>NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@example.com</c>). Sendmail would not add a recipient with any other.
    /// </param>
    /// <exception cref="ArgumentException">An argument is not RFC 5321/3461 syntax, or the MTA would not keep it; the message names both.</exception>
    public void AddRecipient(string recipient, string? esmtpArguments = null)
    {
        if (string.IsNullOrEmpty(esmtpArguments))
        {
            Check(ActionFlags.AddRecipients, nameof(AddRecipient));
            MilterResponseWriter.WriteAddRecipient(_actions, recipient);
            _actionCodes.Add(MilterResponseCode.AddRecipient);
        }
        else
        {
            Check(ActionFlags.AddRecipientsWithParameters, nameof(AddRecipient));
            EsmtpArgumentCheck.Validate(esmtpArguments, forSender: false, Context.Mta, nameof(AddRecipient), nameof(esmtpArguments));
            MilterResponseWriter.WriteAddRecipientWithParameters(_actions, recipient, esmtpArguments);
            _actionCodes.Add(MilterResponseCode.AddRecipientWithParameters);
        }
    }

    /// <summary>Removes a recipient, given as the milter saw it in RCPT (SMFIR_DELRCPT; needs <see cref="ActionFlags.DeleteRecipients"/>).</summary>
    public void DeleteRecipient(string recipient)
    {
        Check(ActionFlags.DeleteRecipients, nameof(DeleteRecipient));
        MilterResponseWriter.WriteDeleteRecipient(_actions, recipient);
        _actionCodes.Add(MilterResponseCode.DeleteRecipient);
    }

    /// <summary>Puts the message on hold with a reason (SMFIR_QUARANTINE; needs <see cref="ActionFlags.Quarantine"/>).</summary>
    public void Quarantine(string reason)
    {
        Check(ActionFlags.Quarantine, nameof(Quarantine));
        MilterResponseWriter.WriteQuarantine(_actions, reason);
        _actionCodes.Add(MilterResponseCode.Quarantine);
    }

    /// <summary>
    /// Replaces the whole body (SMFIR_REPLBODY; needs <see cref="ActionFlags.ChangeBody"/>). Use CRLF line ends.
    /// It is sent in pieces of at most 65535 bytes, after the other changes. A second call replaces the first.
    /// </summary>
    public void ReplaceBody(ReadOnlyMemory<byte> body)
    {
        Check(ActionFlags.ChangeBody, nameof(ReplaceBody));
        Changes.SetBody(body.ToArray(), null, false);
    }

    /// <summary>
    /// Replaces the whole body with the rest of <paramref name="body"/>, read only after the handler returns and sent
    /// in pieces, so a large body never sits in memory (SMFIR_REPLBODY; needs <see cref="ActionFlags.ChangeBody"/>).
    /// The stream is disposed once sent or dropped, unless <paramref name="leaveOpen"/>. If reading it fails halfway,
    /// the message is tempfailed, so no half-replaced body is delivered.
    /// </summary>
    public void ReplaceBody(Stream body, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(body);
        Check(ActionFlags.ChangeBody, nameof(ReplaceBody));
        Changes.SetBody(null, body, leaveOpen);
    }

    /// <summary>Tells the MTA the milter is still working (SMFIR_PROGRESS), restarting its timeout. Sent at once.</summary>
    public ValueTask SendProgressAsync(CancellationToken cancellationToken = default)
    {
        EnsureActive(nameof(SendProgressAsync));
        return Output.SendProgressAsync(cancellationToken);
    }

    private HeaderEditTranslator Headers => _headers ??= Changes.HeadersFor(Context);

    /// <summary>Ends the handler's window: later calls throw.</summary>
    internal void Complete() => _active = false;

    // The MTA adds CR itself: folded values must use bare LF.
    private string Fold(string value)
    {
        var folded = value is not null && value.Contains('\r', StringComparison.Ordinal) ? value.Replace("\r\n", "\n", StringComparison.Ordinal) : value!;
        return AddLeadingSpace ? " " + folded : folded;
    }

    private void Check(ActionFlags action, string operation)
    {
        EnsureActive(operation);
        if (((AllowedActions ?? Context.Negotiation.Actions) & action) == 0)
            throw new ActionNotNegotiatedException(operation, action, Context.Description, Context.Negotiation);
    }

    private void EnsureActive(string operation)
    {
        if (!_active)
        {
            throw new InvalidOperationException(
                $"{operation} was called after the end-of-message handler returned. Message changes can only be made while the end-of-message handler runs; do not keep the context in a field or a callback.");
        }
    }
}
