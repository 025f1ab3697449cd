// A recipient limit that shows what it does: one trace per message exported over OTLP (when
// OTEL_EXPORTER_OTLP_ENDPOINT is set), metrics for Prometheus at /metrics, /health/live and /health/ready, all on a
// loopback HTTP port ("Urls"), and log lines that carry the connection's scope (connection id, MTA, client, queue id).
//
//   dotnet run --project samples/ObservedMilter                  # milter on inet:8894@127.0.0.1, HTTP on 127.0.0.1:9464
//   curl -s http://127.0.0.1:9464/metrics | grep ^milter_
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 dotnet run --project samples/ObservedMilter
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Milter.Hosting;
using ObservedMilter;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

// appsettings.json beside the binary, wherever it is started from (systemd starts it in /).
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
// Each log line's scope gets the trace and span ids too: from a log line to its trace.
builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
// The slim builder fixes the console's format to "simple": let Logging:Console:FormatterName choose (json for a container's
// log collector). Under systemd, AddMilter's AddSystemd (registered later) still picks journald's format.
builder.Services.Configure<ConsoleLoggerOptions>(builder.Configuration.GetSection("Logging:Console"));

var limit = new RecipientLimitSettings();
builder.Configuration.GetSection("RecipientLimit").Bind(limit);
builder.Services.AddSingleton(limit);
builder.Services.AddMilter<RecipientLimit>();
builder.Services.AddHealthChecks().AddMilter();

var telemetry = builder.Services.AddMilterTelemetry()
    .ConfigureResource(resource => resource.AddService("observed-milter"))
    .WithMetrics(metrics => metrics.AddPrometheusExporter());
// OTLP only where a collector is named: OTEL_EXPORTER_OTLP_ENDPOINT (and the other OTEL_* settings) from the environment or appsettings.json.
if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
    telemetry.WithTracing(tracing => tracing.AddOtlpExporter());

var app = builder.Build();
app.MapPrometheusScrapingEndpoint();
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains(MilterHealthTags.Live) });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(MilterHealthTags.Ready) });
await app.RunAsync();
