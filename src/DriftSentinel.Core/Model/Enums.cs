namespace DriftSentinel.Core.Model;

/// <summary>The system a record came from.</summary>
public enum Cloud
{
    Aws,
    Azure,
    Entra,
    GitHub,
    GitLab,
    AzureDevOps,
}

/// <summary>Whether an environment is production.</summary>
public enum Tier
{
    Production,
    NonProduction,
}

/// <summary>Finding severity, ordered so that a higher value is worse.</summary>
public enum Severity
{
    Info = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}

/// <summary>Who stands behind an identity.</summary>
public enum PrincipalKind
{
    Unknown,
    Human,
    Workload,
    Root,
}

/// <summary>How completely a source was read.</summary>
public enum CoverageStatus
{
    Read,
    Partial,
    Missing,
    Failed,
}

/// <summary>Parsing helpers for the enums, with the lower-case spellings used in files and on the command line.</summary>
public static class EnumText
{
    public static string ToText(this Severity s) => s.ToString().ToLowerInvariant();

    public static string ToText(this Cloud c) => c switch
    {
        Cloud.Aws => "aws",
        Cloud.Azure => "azure",
        Cloud.Entra => "entra",
        Cloud.GitHub => "github",
        Cloud.GitLab => "gitlab",
        Cloud.AzureDevOps => "azure-devops",
        _ => c.ToString(),
    };

    public static string ToText(this Tier t) => t == Tier.Production ? "production" : "non-production";

    public static string ToText(this CoverageStatus s) => s.ToString().ToLowerInvariant();

    public static string ToText(this PrincipalKind k) => k.ToString().ToLowerInvariant();

    public static bool TryParseSeverity(string? text, out Severity severity)
    {
        severity = Severity.Info;
        return text is not null && Enum.TryParse(text, ignoreCase: true, out severity) && Enum.IsDefined(severity);
    }
}
