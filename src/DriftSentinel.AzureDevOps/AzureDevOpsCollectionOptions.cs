using DriftSentinel.Http;

namespace DriftSentinel.AzureDevOps;

/// <summary>Settings of live Azure DevOps collection (configuration section DriftSentinel:AzureDevOps).</summary>
public sealed class AzureDevOpsCollectionOptions : RestSourceOptions
{
    /// <summary>Services root: https://dev.azure.com, or an Azure DevOps Server collection URL's host part.</summary>
    public override string ApiUrl { get; set; } = "https://dev.azure.com";

    /// <summary>The organization (or Server collection) name: the first path segment below <see cref="ApiUrl"/>.</summary>
    public string Organization { get; set; } = "";

    /// <summary>Projects to collect, by name.</summary>
    public List<string> Projects { get; set; } = [];

    /// <summary>The environment variable holding a personal access token (or an Entra access token with TokenKind bearer).</summary>
    public override string TokenVariable { get; set; } = "AZURE_DEVOPS_TOKEN";

    /// <summary>"pat" (HTTP basic with an empty user) or "bearer" (an Entra ID token for 499b84ac-1321-427f-aa17-267ca6975798).</summary>
    public string TokenKind { get; set; } = "pat";

    public IEnumerable<string> Validate(string prefix)
    {
        foreach (var problem in ValidateShared(prefix))
        {
            yield return problem;
        }

        if (string.IsNullOrWhiteSpace(Organization) || Organization.Contains('/', StringComparison.Ordinal))
        {
            yield return $"{prefix}:Organization: '{Organization}' is not an organization name";
        }

        if (Projects.Count == 0)
        {
            yield return $"{prefix}:Projects: name the projects to collect";
        }

        if (TokenKind is not ("pat" or "bearer"))
        {
            yield return $"{prefix}:TokenKind: '{TokenKind}' is neither pat nor bearer";
        }
    }
}
