namespace DriftSentinel.AzureDevOps;

/// <summary>Settings of live Azure DevOps collection (configuration section DriftSentinel:AzureDevOps).</summary>
public sealed class AzureDevOpsCollectionOptions
{
    /// <summary>Services root: https://dev.azure.com, or an Azure DevOps Server collection URL's host part.</summary>
    public string ApiUrl { get; set; } = "https://dev.azure.com";

    /// <summary>The organization (or Server collection) name: the first path segment below <see cref="ApiUrl"/>.</summary>
    public string Organization { get; set; } = "";

    /// <summary>Projects to collect, by name.</summary>
    public List<string> Projects { get; set; } = [];

    /// <summary>The environment variable holding a personal access token (or an Entra access token with TokenKind bearer).</summary>
    public string TokenVariable { get; set; } = "AZURE_DEVOPS_TOKEN";

    /// <summary>"pat" (HTTP basic with an empty user) or "bearer" (an Entra ID token for 499b84ac-1321-427f-aa17-267ca6975798).</summary>
    public string TokenKind { get; set; } = "pat";

    public int WindowDays { get; set; } = 90;

    public int MaxParallelProjects { get; set; } = 4;

    public int MaxAttempts { get; set; } = 6;

    public IEnumerable<string> Validate(string prefix)
    {
        if (!Uri.TryCreate(ApiUrl, UriKind.Absolute, out var api) || api.Scheme is not ("https" or "http"))
        {
            yield return $"{prefix}:ApiUrl: '{ApiUrl}' is not an http(s) URL";
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
