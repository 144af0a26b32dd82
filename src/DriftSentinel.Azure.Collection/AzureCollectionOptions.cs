using System.Text.RegularExpressions;

namespace DriftSentinel.Azure.Collection;

/// <summary>Settings of live Azure and Entra collection (configuration section DriftSentinel:Azure).</summary>
public sealed class AzureCollectionOptions
{
    /// <summary>The Entra tenant: sign-ins are read from it and written under entra/&lt;tenant-id&gt;/.</summary>
    public string? TenantId { get; set; }

    /// <summary>Subscriptions to scan; empty for every subscription the credential can see.</summary>
    public List<string> Subscriptions { get; set; } = [];

    public List<string> ExcludeSubscriptions { get; set; } = [];

    public AzureCredentialOptions Credential { get; set; } = new();

    public int MaxParallelSubscriptions { get; set; } = 4;

    /// <summary>Read PIM schedule instances, eligibility and activation requests.</summary>
    public bool Pim { get; set; } = true;

    /// <summary>Name principals through Graph directoryObjects/getByIds (Directory.Read.All), as az role assignment list does.</summary>
    public bool ResolvePrincipalNames { get; set; } = true;

    public ActivityWindowOptions ActivityLog { get; set; } = new();

    public SignInOptions SignIns { get; set; } = new();

    public AzureRetryOptions Retry { get; set; } = new();

    /// <summary>When ARM says fewer reads than this remain (x-ms-ratelimit-remaining-subscription-reads), pause before the next request.</summary>
    public int ArmReadsLowWater { get; set; } = 25;

    public TimeSpan ArmLowWaterPause { get; set; } = TimeSpan.FromSeconds(2);

    public AzureEndpointOptions Endpoints { get; set; } = new();

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    public IReadOnlyList<string> Validate(string prefix)
    {
        var errors = new List<string>();
        if (TenantId is not null && !IsGuid(TenantId))
        {
            errors.Add($"{prefix}:TenantId: '{TenantId}' is not a tenant id (a GUID)");
        }

        for (var i = 0; i < Subscriptions.Count; i++)
        {
            if (!IsGuid(Subscriptions[i]))
            {
                errors.Add($"{prefix}:Subscriptions:{i}: '{Subscriptions[i]}' is not a subscription id (a GUID)");
            }
        }

        for (var i = 0; i < ExcludeSubscriptions.Count; i++)
        {
            if (!IsGuid(ExcludeSubscriptions[i]))
            {
                errors.Add($"{prefix}:ExcludeSubscriptions:{i}: '{ExcludeSubscriptions[i]}' is not a subscription id (a GUID)");
            }
        }

        if (SignIns.Enabled && TenantId is null)
        {
            errors.Add($"{prefix}:TenantId: required to read Entra sign-ins (or set {prefix}:SignIns:Enabled to false)");
        }

        if (MaxParallelSubscriptions is < 1 or > 32)
        {
            errors.Add($"{prefix}:MaxParallelSubscriptions: {MaxParallelSubscriptions} must be between 1 and 32");
        }

        errors.AddRange(Credential.Validate($"{prefix}:Credential"));
        errors.AddRange(ActivityLog.Validate($"{prefix}:ActivityLog", TimeSpan.FromDays(90)));
        errors.AddRange(SignIns.Validate($"{prefix}:SignIns", TimeSpan.FromDays(30)));
        if (SignIns.RequestsPer10Seconds is <= 0 or > 5)
        {
            errors.Add($"{prefix}:SignIns:RequestsPer10Seconds: {SignIns.RequestsPer10Seconds} must be above 0 and at most 5 (Graph's limit for sign-in logs)");
        }

        if (Retry.MaxRetries is < 0 or > 20)
        {
            errors.Add($"{prefix}:Retry:MaxRetries: {Retry.MaxRetries} must be between 0 and 20");
        }

        foreach (var (name, value) in new[] { ("ResourceManager", Endpoints.ResourceManager), ("Graph", Endpoints.Graph), ("AuthorityHost", Endpoints.AuthorityHost) })
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            {
                errors.Add($"{prefix}:Endpoints:{name}: '{value}' is not an https URL (bearer tokens are only sent over https)");
            }
        }

        return errors;
    }

    public static bool IsGuid(string text) => Guid.TryParseExact(text, "D", out _);
}

/// <summary>Which credential to use; Default is Azure.Identity's DefaultAzureCredential chain.</summary>
public sealed class AzureCredentialOptions
{
    /// <summary>Default, ClientSecret, Certificate or WorkloadIdentity.</summary>
    public string Kind { get; set; } = "Default";

    public string? ClientId { get; set; }

    /// <summary>Name of the environment variable holding the client secret (the secret itself never goes in a file).</summary>
    public string ClientSecretVariable { get; set; } = "AZURE_CLIENT_SECRET";

    public string? CertificatePath { get; set; }

    internal IEnumerable<string> Validate(string prefix)
    {
        if (Kind is not ("Default" or "ClientSecret" or "Certificate" or "WorkloadIdentity"))
        {
            yield return $"{prefix}:Kind: '{Kind}' is not Default, ClientSecret, Certificate or WorkloadIdentity";
        }

        if (Kind is "ClientSecret" or "Certificate" && (ClientId is null || !AzureCollectionOptions.IsGuid(ClientId)))
        {
            yield return $"{prefix}:ClientId: the application (client) id, a GUID, is required with Kind {Kind}";
        }

        if (Kind == "Certificate" && string.IsNullOrWhiteSpace(CertificatePath))
        {
            yield return $"{prefix}:CertificatePath: a PEM or PFX file is required with Kind Certificate";
        }

        if (Kind == "ClientSecret" && !Regex.IsMatch(ClientSecretVariable, "^[A-Za-z_][A-Za-z0-9_]*$"))
        {
            yield return $"{prefix}:ClientSecretVariable: '{ClientSecretVariable}' is not an environment variable name";
        }
    }
}

/// <summary>A time-windowed, incremental source (Activity Log, sign-ins).</summary>
public class ActivityWindowOptions
{
    public TimeSpan Lookback { get; set; } = TimeSpan.FromDays(1);

    public TimeSpan Overlap { get; set; } = TimeSpan.FromMinutes(15);

    internal IEnumerable<string> Validate(string prefix, TimeSpan retention)
    {
        if (Lookback <= TimeSpan.Zero || Lookback > retention)
        {
            yield return $"{prefix}:Lookback: {Lookback} must be positive and at most {retention.TotalDays:0} days (the service's retention)";
        }

        if (Overlap < TimeSpan.Zero || Overlap > TimeSpan.FromDays(1))
        {
            yield return $"{prefix}:Overlap: {Overlap} must be between 0 and 1 day";
        }
    }
}

/// <summary>Entra sign-in logs (Graph auditLogs/signIns; needs Entra ID P1).</summary>
public sealed class SignInOptions : ActivityWindowOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Also read service-principal sign-ins and the app registrations' federated credentials (Application.Read.All):
    /// what ties an Azure change to the pipeline run whose OIDC token made it (DS-DEP-001 link=session).
    /// </summary>
    public bool ServicePrincipals { get; set; } = true;

    /// <summary>Graph allows about 5 requests per 10 seconds per app and tenant for sign-in logs; we stay below.</summary>
    public double RequestsPer10Seconds { get; set; } = 4;

    public int PageSize { get; set; } = 500;
}

/// <summary>Azure.Core retry settings: exponential backoff, Retry-After and x-ms-retry-after-ms honoured.</summary>
public sealed class AzureRetryOptions
{
    public int MaxRetries { get; set; } = 6;
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(0.8);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>Cloud endpoints (public cloud by default; sovereign clouds or tests override them).</summary>
public sealed class AzureEndpointOptions
{
    public string ResourceManager { get; set; } = "https://management.azure.com";
    public string Graph { get; set; } = "https://graph.microsoft.com";
    public string AuthorityHost { get; set; } = "https://login.microsoftonline.com";
}
