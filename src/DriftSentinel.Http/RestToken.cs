namespace DriftSentinel.Http;

/// <summary>Tokens come from an environment variable named in configuration, never from the configuration file itself.</summary>
public static class RestToken
{
    /// <summary>The token in <paramref name="variable"/>, or a <see cref="InvalidOperationException"/> naming the variable (not its value).</summary>
    public static string FromEnvironment(string what, string variable, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var token = environment(variable);
        return string.IsNullOrWhiteSpace(token)
            ? throw new InvalidOperationException($"{what}: the environment variable {variable} holds no token")
            : token.Trim();
    }
}
