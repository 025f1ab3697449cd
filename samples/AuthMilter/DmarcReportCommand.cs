using System.Globalization;
using Microsoft.Extensions.Configuration;
using Milter.Authentication;

namespace AuthMilter;

/// <summary>
/// <c>AuthMilter dmarc-report DAY [FOLDER]</c>: the DMARC aggregate reports of one UTC day (yyyy-MM-dd) from the
/// DmarcHistoryFile, one XML file per policy domain in FOLDER (the current one by default), each path printed. Sending
/// them to the rua= addresses is left to the mail system (a cron job with a mailer, as with OpenDMARC's reports).
/// </summary>
public static class DmarcReportCommand
{
    /// <summary>Runs the command with the "AuthMilter" section of <paramref name="configuration"/>; the exit code.</summary>
    public static async Task<int> RunAsync(IConfiguration configuration, string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(arguments);
        var settings = new AuthSettings();
        configuration.GetSection("AuthMilter").Bind(settings);
        if (arguments.Length is < 1 or > 2 || !DateOnly.TryParseExact(arguments[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            await Console.Error.WriteLineAsync("usage: AuthMilter dmarc-report yyyy-MM-dd [folder]");
            return 64;
        }

        if (settings.DmarcHistoryFile.Length == 0)
        {
            await Console.Error.WriteLineAsync("auth-milter: AuthMilter:DmarcHistoryFile is not set, so there is nothing to report");
            return 78;
        }

        var folder = arguments.Length == 2 ? arguments[1] : Directory.GetCurrentDirectory();
        var reporter = new DmarcReporter(settings.DmarcReportOrgName.Length > 0 ? settings.DmarcReportOrgName : settings.AuthservId,
            settings.DmarcReportEmail.Length > 0 ? settings.DmarcReportEmail : $"postmaster@{settings.AuthservId}");
        var begin = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        using var history = new DmarcHistoryFile(Path.Combine(AppContext.BaseDirectory, settings.DmarcHistoryFile));
        foreach (var (_, fileName, xml) in await DmarcAggregateReport.CreateAsync(history, reporter, begin, begin.AddDays(1)))
        {
            var path = Path.Combine(folder, fileName);
            await File.WriteAllTextAsync(path, xml);
            Console.WriteLine(path);
        }

        return 0;
    }
}
