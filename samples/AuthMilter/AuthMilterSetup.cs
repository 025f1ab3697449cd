using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AuthMilter;

/// <summary>The sample's registrations, shared by its Program.cs and the tests that host it.</summary>
public static class AuthMilterSetup
{
    /// <summary>Binds the "AuthMilter" section and reads the keys (paths relative to the content root): what the filter needs.</summary>
    /// <exception cref="UnsafeKeyException">A key others can read or replace, with RequireSafeKeys on.</exception>
    public static HostApplicationBuilder AddAuthPolicy(this HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = new AuthSettings();
        builder.Configuration.GetSection("AuthMilter").Bind(settings);
        builder.Services.AddSingleton(new AuthPolicy(settings, builder.Environment.ContentRootPath));
        builder.Services.AddHostedService<UnsafeKeyWarnings>();
        return builder;
    }
}
