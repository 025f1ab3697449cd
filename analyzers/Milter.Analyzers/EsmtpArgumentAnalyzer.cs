using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Milter.Generators.Rules;

namespace Milter.Analyzers;

/// <summary>
/// A constant <c>esmtpArguments</c> of <c>ChangeSender</c> or <c>AddRecipient</c> checked at compile time with the
/// runtime's own rules (<see cref="EsmtpArgumentRules"/>): an Error when it is malformed or neither Postfix nor Sendmail
/// keeps it, a Warning when only Sendmail does. Other values are checked by the runtime when the call is made.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class EsmtpArgumentAnalyzer : MilterAnalyzer
{
    private const string ParameterName = "esmtpArguments";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.BadEsmtpArgument);

    private protected override void Start(CompilationStartAnalysisContext context, MilterSymbols symbols)
    {
        if (symbols.EndOfMessageContext is null)
            return;
        context.RegisterOperationAction(op =>
        {
            var call = (IInvocationOperation)op.Operation;
            if (call.TargetMethod.Name is not ("ChangeSender" or "AddRecipient") || !symbols.IsEndOfMessageContext(call.TargetMethod.ContainingType))
                return;
            // By parameter name, so named and reordered arguments count; a left-out argument has no syntax of its own.
            var argument = call.Arguments.FirstOrDefault(a => a.Parameter?.Name == ParameterName && a.ArgumentKind == ArgumentKind.Explicit);
            if (argument?.Value.ConstantValue is not { HasValue: true, Value: string arguments })
                return;
            if (Problem(arguments, forSender: call.TargetMethod.Name == "ChangeSender") is not { } problem)
                return;
            op.ReportDiagnostic(Diagnostic.Create(Descriptors.BadEsmtpArgument, argument.Value.Syntax.GetLocation(),
                problem.Severity, additionalLocations: null, properties: null, call.TargetMethod.Name, problem.Argument, problem.Reason));
        }, OperationKind.Invocation);
    }

    // The first argument either MTA refuses or drops; else the first only Postfix drops.
    private static (string Argument, string Reason, DiagnosticSeverity Severity)? Problem(string arguments, bool forSender)
    {
        (string, string, DiagnosticSeverity)? sendmailOnly = null;
        foreach (var argument in EsmtpArgumentRules.Split(arguments))
        {
            if (!EsmtpArgumentRules.TryParse(argument, out var keyword, out var value))
                return (argument, "is not KEYWORD or KEYWORD=value (RFC 5321: letters, digits and '-', then printable ASCII without '=' or spaces); the runtime throws ArgumentException", DiagnosticSeverity.Error);
            if (!EsmtpArgumentRules.SendmailKeeps(keyword, forSender))
                return (argument, "is kept by neither Postfix nor Sendmail (" + (forSender ? "a new sender: RET and ENVID behind both, also SIZE, BODY, AUTH and SMTPUTF8 behind Sendmail" : "an added recipient: NOTIFY and ORCPT") + "); the runtime throws ArgumentException", DiagnosticSeverity.Error);
            if (EsmtpArgumentRules.ValueProblem(keyword, value) is { } reason)
                return (argument, "is invalid: " + reason + "; the runtime throws ArgumentException", DiagnosticSeverity.Error);
            if (!EsmtpArgumentRules.PostfixKeeps(keyword, forSender))
                sendmailOnly ??= (argument, "is kept only by Sendmail: behind Postfix the runtime throws ArgumentException (Postfix would drop it with a warning in its log)", DiagnosticSeverity.Warning);
        }

        return sendmailOnly;
    }
}
