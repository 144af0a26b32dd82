using DriftSentinel.Http;

namespace DriftSentinel.GitLab;

/// <summary>Settings of live GitLab collection (configuration section DriftSentinel:GitLab); gitlab.com or self-managed.</summary>
public sealed class GitLabCollectionOptions : RestSourceOptions
{
    /// <summary>REST v4 root: https://gitlab.com/api/v4 or https://HOST/api/v4.</summary>
    public override string ApiUrl { get; set; } = "https://gitlab.com/api/v4";

    /// <summary>The environment variable holding the token (read-only scopes in docs/permissions.md).</summary>
    public override string TokenVariable { get; set; } = "GITLAB_TOKEN";

    /// <summary>"private" (PRIVATE-TOKEN: personal, group or project access token) or "bearer" (OAuth 2.0 token).</summary>
    public string TokenKind { get; set; } = "private";

    /// <summary>Groups (full paths) whose projects, subgroups included, are collected with their group variables.</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>Projects (full paths) collected in addition.</summary>
    public List<string> Projects { get; set; } = [];

    public IEnumerable<string> Validate(string prefix)
    {
        foreach (var problem in ValidateShared(prefix))
        {
            yield return problem;
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
    }
}
