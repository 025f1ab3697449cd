using Microsoft.Extensions.Options;

namespace Milter.State;

/// <summary>Checks the store settings at start-up, so a typo stops the host with a clear message.</summary>
internal sealed class MilterStoreOptionsValidator : IValidateOptions<MilterStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, MilterStoreOptions options)
    {
        var problems = new List<string>();
        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromSeconds(20))
            problems.Add($"Milter:Store:Timeout must be more than 0 and at most 20 s (the MTA waits 30 s at most); it is {options.Timeout}.");
        if (!Enum.IsDefined(options.WhenUnavailable))
            problems.Add($"Milter:Store:WhenUnavailable must be Tempfail or Continue; it is {options.WhenUnavailable}.");
        if (!string.IsNullOrWhiteSpace(options.Redis))
        {
            try
            {
                StackExchange.Redis.ConfigurationOptions.Parse(options.Redis);
            }
            catch (ArgumentException e)
            {
                problems.Add($"Milter:Store:Redis is not a Redis configuration string: {e.Message}");
            }

            if (!string.IsNullOrEmpty(options.RedisPasswordFile) && !string.IsNullOrEmpty(options.RedisPassword))
                problems.Add("Milter:Store:RedisPasswordFile and Milter:Store:RedisPassword are both set; set one.");
            if (!string.IsNullOrEmpty(options.RedisClientKeyFile) && string.IsNullOrEmpty(options.RedisClientCertificateFile))
                problems.Add("Milter:Store:RedisClientKeyFile is set without Milter:Store:RedisClientCertificateFile.");
            CheckReadable(problems, "RedisPasswordFile", options.RedisPasswordFile);
            CheckReadable(problems, "RedisCaFile", options.RedisCaFile);
            CheckReadable(problems, "RedisClientCertificateFile", options.RedisClientCertificateFile);
            CheckReadable(problems, "RedisClientKeyFile", options.RedisClientKeyFile);
        }
        else if (string.IsNullOrWhiteSpace(options.SqlitePath))
        {
            problems.Add("Milter:Store:SqlitePath must name a file when Milter:Store:Redis is not set.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void CheckReadable(List<string> problems, string setting, string? path)
    {
        if (string.IsNullOrEmpty(path))
            return;
        var full = RedisConnectionSettings.CredentialPath(path);
        try
        {
            using var file = File.OpenRead(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"Milter:Store:{setting}: cannot read {full}: {e.Message}");
        }
    }
}
