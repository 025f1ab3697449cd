using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Milter.IntegrationTests.Support;

namespace Milter.Testing.Tests;

/// <summary>
/// docs/grafana/milter-dashboard.json queries what the runtime publishes, under the names OpenTelemetry's Prometheus
/// exporter gives it, and has a panel for every instrument.
/// </summary>
public partial class DashboardTests
{
    [Fact]
    public async Task Every_series_the_dashboard_queries_is_published_and_every_instrument_is_on_it()
    {
        var published = await PublishedSeriesAsync();
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "grafana", "milter-dashboard.json"), TestContext.Current.CancellationToken));
        var queried = Queries(dashboard.RootElement).SelectMany(q => SeriesName().Matches(q).Select(m => m.Value)).ToHashSet();

        Assert.NotEmpty(queried);
        Assert.All(queried, series => Assert.True(published.ContainsKey(series), $"the dashboard queries {series}, which nothing publishes"));
        Assert.All(published.Values.Distinct(), instrument => Assert.True(
            published.Where(p => p.Value == instrument).Any(p => queried.Contains(p.Key)), $"no panel shows {instrument}"));
    }

    /// <summary>Each Prometheus series name of the Milter meter's instruments, to the instrument's name.</summary>
    private static async Task<Dictionary<string, string>> PublishedSeriesAsync()
    {
        // The runtime's instruments exist once a session has run.
        await MilterTest.For<HeaderStamper.HeaderStamper>().SendAsync("Subject: hi\r\n\r\nHello.\r\n"u8.ToArray(), new Milter.Client.Envelope("a@example.org", ["b@example.net"]));
        var series = new Dictionary<string, string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name != MilterTelemetry.MeterName)
                    return;
                var unit = instrument.Unit switch { "s" => "_seconds", "By" => "_bytes", _ => "" };
                var family = instrument.Name.Replace('.', '_') + unit;
                var names = instrument switch
                {
                    Counter<long> => [family + "_total"],
                    Histogram<double> => [family + "_bucket", family + "_sum", family + "_count"],
                    _ => new[] { family },
                };
                lock (series)
                {
                    foreach (var name in names)
                        series[name] = instrument.Name;
                }
            },
        };
        listener.Start();
        return series;
    }

    private static IEnumerable<string> Queries(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name is "expr" or "definition" && property.Value.ValueKind == JsonValueKind.String)
                    yield return property.Value.GetString()!;
                foreach (var query in Queries(property.Value))
                    yield return query;
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (var query in Queries(item))
                    yield return query;
            }
        }
    }

    // A metric is followed by its label matchers ({) in every query of the dashboard; label names are not.
    [GeneratedRegex(@"\bmilter_[a-z_]+(?=\{)")]
    private static partial Regex SeriesName();
}
