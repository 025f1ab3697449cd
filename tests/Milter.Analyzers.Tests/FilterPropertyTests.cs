using CsCheck;
using Microsoft.CodeAnalysis;
using Milter.Analyzers.Tests.Support;

namespace Milter.Analyzers.Tests;

/// <summary>
/// The compile-time promise as a property, over generated filter classes: no MILTER error exactly when the generator
/// completes the class, the result compiles without a warning (and so does code that names a class with an error), it
/// negotiates exactly the actions its code performs (every change the MTA offers, optionally, where the code hands the
/// context to a library it cannot read), and a change left to a dropped task is reported.
/// </summary>
public class FilterPropertyTests
{
    [Fact]
    public Task No_MILTER_error_exactly_when_the_generated_code_compiles_and_negotiates_what_the_class_does() =>
        FilterCases.Gen.SampleAsync(async c =>
        {
            var result = await Pipeline.RunAsync([c.Source, c.Others, c.Program], FilterCases.Library.Value);
            var errors = result.Milter.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Distinct().Order(StringComparer.Ordinal).ToList();
            var expected = c.Errors.Concat(c.Reports).Distinct().Order(StringComparer.Ordinal).ToList();
            Assert.True(expected.SequenceEqual(errors), $"expected errors [{string.Join(", ", expected)}], reported:\n{result}");
            if (c.Errors.Count > 0)
            {
                Assert.False(result.Completed("F"), "the generator completed a class the rules refuse");
                Assert.True(c.Program.Length == 0 || result.Compiler.Count == 0, $"a class with a MILTER error breaks the code that names it:\n{result}");
                return;
            }

            Assert.True(result.Completed("F"), $"the generator skipped a class the rules accept:\n{result}");
            Assert.True(result.Compiler.Count == 0, $"the completed class does not build cleanly:\n{result}");
            var (actions, optional) = result.Negotiated("F");
            Assert.Equal(c.Actions, actions);
            Assert.Equal(c.Escapes ? (ActionFlags)0xFF & ~actions : ActionFlags.None, optional);
            var warnings = result.Milter.Where(d => d.Severity == DiagnosticSeverity.Warning).Select(d => d.Id).Distinct().ToList();
            Assert.Equal(c.Escapes ? ["MILTER017"] : [], warnings);
        }, iter: 150, threads: 1, print: c => c.ToString());
}
