namespace Milter.Analyzers.Tests;

public class PipelineAnalyzerTests
{
    [Fact]
    public Task A_pipeline_built_in_one_chain_without_Add_is_an_error() => Verify<PipelineAnalyzer>.AnalyzerAsync("""
        public static class Setup
        {
            private const string Name = "inbound";

            public static IMilterHandlerFactory Empty() => {|MILTER023:MilterPipeline.Create(Name).Build()|};

            public static IMilterHandlerFactory Unnamed(string name) => {|MILTER023:MilterPipeline.Create(name).Build()|};
        }
        """);

    [Fact]
    public Task A_pipeline_with_a_part_or_a_builder_the_chain_does_not_show_is_not_reported() => Verify<PipelineAnalyzer>.AnalyzerAsync("""
        public static class Setup
        {
            public static IMilterHandlerFactory One(IMilterHandlerFactory part) => MilterPipeline.Create("inbound").Add(part).Build();

            public static IMilterHandlerFactory Two(IMilterHandlerFactory a, IMilterHandlerFactory b) =>
                MilterPipeline.Create("inbound").Add(a, p => p.DryRun = true).Add(b).Build();

            // Kept in a variable: the runtime's InvalidOperationException, not the analyzer, tells.
            public static IMilterHandlerFactory Kept()
            {
                var builder = MilterPipeline.Create("inbound");
                return builder.Build();
            }
        }
        """);
}
