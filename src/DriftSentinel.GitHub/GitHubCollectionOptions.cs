using DriftSentinel.Http;

namespace DriftSentinel.GitHub;

/// <summary>Settings of live GitHub Actions collection (configuration section DriftSentinel:GitHub).</summary>
public sealed class GitHubCollectionOptions : RestSourceOptions
{
    /// <summary>REST root: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server.</summary>
    public override string ApiUrl { get; set; } = "https://api.github.com";

    /// <summary>The environment variable holding a token (fine-grained or classic; read-only scopes in docs/permissions.md).</summary>
    public override string TokenVariable { get; set; } = "GITHUB_TOKEN";

    /// <summary>Authenticate as a GitHub App installation instead of with a token.</summary>
    public GitHubAppOptions? App { get; set; }

    /// <summary>Organizations whose every repository with deployments is collected, with their organization secrets.</summary>
    public List<string> Organizations { get; set; } = [];

    /// <summary>Repositories (owner/name) collected whether or not they have deployments.</summary>
    public List<string> Repositories { get; set; } = [];

    public IEnumerable<string> Validate(string prefix)
    {
        foreach (var problem in ValidateShared(prefix))
        {
            yield return problem;
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
