using StackExchange.Redis;

namespace Milter.State;

/// <summary>
/// The StackExchange.Redis configuration the settings make: the connection string, then the password from
/// <see cref="MilterStoreOptions.RedisPassword"/> or a file, and TLS with our CA and client certificate. Also the
/// store's name for logs, made of its addresses only, so no credential reaches a log line.
/// </summary>
internal static class RedisConnectionSettings
{
    public static ConfigurationOptions From(MilterStoreOptions options)
    {
        var configuration = ConfigurationOptions.Parse(options.Redis!);
        if (!string.IsNullOrEmpty(options.RedisPasswordFile))
            configuration.Password = ReadPassword(options.RedisPasswordFile);
        else if (!string.IsNullOrEmpty(options.RedisPassword))
            configuration.Password = options.RedisPassword;

        if (!string.IsNullOrEmpty(options.RedisCaFile))
        {
            configuration.Ssl = true;
            configuration.TrustIssuer(CredentialPath(options.RedisCaFile));
        }

        if (!string.IsNullOrEmpty(options.RedisClientCertificateFile))
        {
            configuration.Ssl = true;
            configuration.SetUserPemCertificate(CredentialPath(options.RedisClientCertificateFile),
                string.IsNullOrEmpty(options.RedisClientKeyFile) ? null : CredentialPath(options.RedisClientKeyFile));
        }

        return configuration;
    }

    /// <summary>"Redis redis1:6379", "Redis redis1:6380 (TLS)": addresses only.</summary>
    public static string Describe(ConfigurationOptions configuration) =>
        "Redis " + string.Join(",", configuration.EndPoints.Select(EndPointCollection.ToString)) + (configuration.Ssl ? " (TLS)" : string.Empty);

    /// <summary>
    /// A relative path is taken from systemd's <c>CREDENTIALS_DIRECTORY</c> when the unit loads credentials
    /// (<c>LoadCredential=redis-password:/etc/greylist/redis-password</c>), else from the working directory.
    /// </summary>
    public static string CredentialPath(string path) =>
        Path.GetFullPath(path, Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY") is { Length: > 0 } credentials
            ? credentials
            : Environment.CurrentDirectory);

    /// <summary>The file's first line: a password file written by <c>echo</c> ends with a newline that is not part of it.</summary>
    private static string ReadPassword(string path)
    {
        var text = File.ReadAllText(CredentialPath(path));
        var end = text.AsSpan().IndexOfAny('\r', '\n');
        return end < 0 ? text : text[..end];
    }
}
