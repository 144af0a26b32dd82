namespace DriftSentinel.GitHub;

/// <summary>Settings of live GitHub Actions collection (configuration section DriftSentinel:GitHub).</summary>
public sealed class GitHubCollectionOptions
{
    /// <summary>REST root: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server.</summary>
    public string ApiUrl { get; set; } = "https://api.github.com";

    /// <summary>The environment variable holding a token (fine-grained or classic; read-only scopes in docs/permissions.md).</summary>
    public string TokenVariable { get; set; } = "GITHUB_TOKEN";

    /// <summary>Authenticate as a GitHub App installation instead of with a token.</summary>
    public GitHubAppOptions? App { get; set; }

    /// <summary>Organizations whose every repository with deployments is collected, with their organization secrets.</summary>
    public List<string> Organizations { get; set; } = [];

    /// <summary>Repositories (owner/name) collected whether or not they have deployments.</summary>
    public List<string> Repositories { get; set; } = [];

    /// <summary>How far back deployments are kept in the snapshot (DS-DEP-003 looks back this far for the promoting deployment).</summary>
    public int WindowDays { get; set; } = 90;

    public int MaxParallelRepositories { get; set; } = 4;

    public int MaxAttempts { get; set; } = 6;

    public IEnumerable<string> Validate(string prefix)
    {
        if (!Uri.TryCreate(ApiUrl, UriKind.Absolute, out var api) || api.Scheme is not ("https" or "http"))
        {
            yield return $"{prefix}:ApiUrl: '{ApiUrl}' is not an http(s) URL";
        }

        if (Organizations.Count == 0 && Repositories.Count == 0)
        {
            yield return $"{prefix}: name Organizations or Repositories to collect";
        }

        for (var i = 0; i < Repositories.Count; i++)
        {
            if (Repositories[i].Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                yield return $"{prefix}:Repositories:{i}: '{Repositories[i]}' is not owner/name";
            }
        }

        if (WindowDays is < 1 or > 400)
        {
            yield return $"{prefix}:WindowDays: {WindowDays} is outside 1..400";
        }

        if (MaxParallelRepositories is < 1 or > 32)
        {
            yield return $"{prefix}:MaxParallelRepositories: {MaxParallelRepositories} is outside 1..32";
        }

        if (App is { } app && (app.AppId <= 0 || app.InstallationId <= 0 || string.IsNullOrWhiteSpace(app.PrivateKeyFile)))
        {
            yield return $"{prefix}:App: AppId, InstallationId and PrivateKeyFile are all required";
        }
    }
}

/// <summary>A GitHub App installation: a JWT signed with the app's private key is exchanged for an installation token.</summary>
public sealed class GitHubAppOptions
{
    public long AppId { get; set; }

    public long InstallationId { get; set; }

    /// <summary>The app's private key (PEM file path).</summary>
    public string PrivateKeyFile { get; set; } = "";
}
