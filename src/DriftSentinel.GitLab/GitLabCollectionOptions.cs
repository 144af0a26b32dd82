namespace DriftSentinel.GitLab;

/// <summary>Settings of live GitLab collection (configuration section DriftSentinel:GitLab); gitlab.com or self-managed.</summary>
public sealed class GitLabCollectionOptions
{
    /// <summary>REST v4 root: https://gitlab.com/api/v4 or https://HOST/api/v4.</summary>
    public string ApiUrl { get; set; } = "https://gitlab.com/api/v4";

    /// <summary>The environment variable holding the token (read-only scopes in docs/permissions.md).</summary>
    public string TokenVariable { get; set; } = "GITLAB_TOKEN";

    /// <summary>"private" (PRIVATE-TOKEN: personal, group or project access token) or "bearer" (OAuth 2.0 token).</summary>
    public string TokenKind { get; set; } = "private";

    /// <summary>Groups (full paths) whose projects, subgroups included, are collected with their group variables.</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>Projects (full paths) collected in addition.</summary>
    public List<string> Projects { get; set; } = [];

    public int WindowDays { get; set; } = 90;

    public int MaxParallelProjects { get; set; } = 4;

    public int MaxAttempts { get; set; } = 6;

    public IEnumerable<string> Validate(string prefix)
    {
        if (!Uri.TryCreate(ApiUrl, UriKind.Absolute, out var api) || api.Scheme is not ("https" or "http"))
        {
            yield return $"{prefix}:ApiUrl: '{ApiUrl}' is not an http(s) URL";
        }

        if (TokenKind is not ("private" or "bearer"))
        {
            yield return $"{prefix}:TokenKind: '{TokenKind}' is neither private nor bearer";
        }

        if (Groups.Count == 0 && Projects.Count == 0)
        {
            yield return $"{prefix}: name Groups or Projects to collect";
        }

        for (var i = 0; i < Projects.Count; i++)
        {
            if (!Projects[i].Contains('/', StringComparison.Ordinal))
            {
                yield return $"{prefix}:Projects:{i}: '{Projects[i]}' is not a full project path (group/project)";
            }
        }

        if (WindowDays is < 1 or > 400)
        {
            yield return $"{prefix}:WindowDays: {WindowDays} is outside 1..400";
        }

        if (MaxParallelProjects is < 1 or > 32)
        {
            yield return $"{prefix}:MaxParallelProjects: {MaxParallelProjects} is outside 1..32";
        }
    }
}
