using System.Net;
using System.Security.Cryptography;
using System.Text;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Http;

namespace DriftSentinel.Worker.Scheduling;

/// <summary>
/// Guards the Hangfire dashboard. With a configured user every request must carry its HTTP Basic credentials (the
/// password is read from the environment variable the configuration names); without one, only requests from this
/// machine get in. Configuration validation refuses a dashboard beyond localhost without credentials.
/// </summary>
public sealed class DashboardGate(DashboardOptions options)
{
    public bool Allows(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrEmpty(options.Username))
        {
            return context.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip);
        }

        var password = options.PasswordVariable is null ? null : Environment.GetEnvironmentVariable(options.PasswordVariable);
        if (string.IsNullOrEmpty(password))
        {
            return false; // configured for credentials but none available: nobody gets in
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string presented;
        try
        {
            presented = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }

        // Compare digests in constant time so neither length nor content leaks through timing.
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes($"{options.Username}:{password}"));
        return CryptographicOperations.FixedTimeEquals(expected, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
    }

    /// <summary>The middleware in front of the dashboard: 401 with a Basic challenge unless <see cref="Allows"/>.</summary>
    public async Task Guard(HttpContext context, Func<Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!Allows(context))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            if (!string.IsNullOrEmpty(options.Username))
            {
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"DriftSentinel\", charset=\"UTF-8\"";
            }

            return;
        }

        await next().ConfigureAwait(false);
    }
}

/// <summary>Hangfire's own check, after <see cref="DashboardGate"/> has let the request through.</summary>
internal sealed class PassedDashboardGate : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) => true;
}
