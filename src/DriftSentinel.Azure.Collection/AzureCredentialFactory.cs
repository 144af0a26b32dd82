using Azure.Core;
using Azure.Identity;

namespace DriftSentinel.Azure.Collection;

/// <summary>Builds the Azure.Identity credential the configuration asks for.</summary>
internal static class AzureCredentialFactory
{
    public static TokenCredential Create(AzureCollectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var authority = new Uri(options.Endpoints.AuthorityHost);
        var c = options.Credential;
        return c.Kind switch
        {
            "ClientSecret" => new ClientSecretCredential(options.TenantId, c.ClientId,
                Environment.GetEnvironmentVariable(c.ClientSecretVariable) ?? throw new InvalidOperationException($"the environment variable {c.ClientSecretVariable} (DriftSentinel:Azure:Credential:ClientSecretVariable) is not set"),
                new ClientSecretCredentialOptions { AuthorityHost = authority }),
            "Certificate" => new ClientCertificateCredential(options.TenantId, c.ClientId, c.CertificatePath, new ClientCertificateCredentialOptions { AuthorityHost = authority }),
            "WorkloadIdentity" => new WorkloadIdentityCredential(new WorkloadIdentityCredentialOptions { TenantId = options.TenantId, ClientId = c.ClientId, AuthorityHost = authority }),
            _ => new DefaultAzureCredential(new DefaultAzureCredentialOptions { TenantId = options.TenantId, AuthorityHost = authority }),
        };
    }
}
