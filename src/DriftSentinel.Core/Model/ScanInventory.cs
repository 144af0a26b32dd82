using DriftSentinel.Core.Sources;

namespace DriftSentinel.Core.Model;

/// <summary>Everything read from a snapshot except the audit trails, which are streamed.</summary>
public sealed class ScanInventory
{
    public Dictionary<string, AwsAccountInventory> AwsAccounts { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, AzureSubscriptionInventory> AzureSubscriptions { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Pipeline projects keyed by provider and path (github:example/payments); see <see cref="Project"/>.</summary>
    public Dictionary<string, PipelineRepositoryInventory> Repositories { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Secrets and variables defined above the project (organization secrets, group variables).</summary>
    public List<PipelineSharedSecret> SharedSecrets { get; } = [];

    /// <summary>Entra object id → user principal name or display name, from whatever export names the principal.</summary>
    public Dictionary<string, string> PrincipalNames { get; } = new(StringComparer.OrdinalIgnoreCase);

    public void NamePrincipal(string objectId, string? name)
    {
        if (!string.IsNullOrEmpty(name) && !name.Equals(objectId, StringComparison.OrdinalIgnoreCase))
        {
            PrincipalNames.TryAdd(objectId, name);
        }
    }

    public AwsAccountInventory Aws(string accountId)
    {
        if (!AwsAccounts.TryGetValue(accountId, out var inv))
        {
            inv = new AwsAccountInventory(accountId);
            AwsAccounts[accountId] = inv;
        }

        return inv;
    }

    public AzureSubscriptionInventory Azure(string subscriptionId)
    {
        if (!AzureSubscriptions.TryGetValue(subscriptionId, out var inv))
        {
            inv = new AzureSubscriptionInventory(subscriptionId.ToLowerInvariant());
            AzureSubscriptions[subscriptionId] = inv;
        }

        return inv;
    }

    /// <summary>The project's inventory, created on first use; keyed by provider and path.</summary>
    public PipelineRepositoryInventory Repository(string provider, string fullName)
    {
        var key = PipelineTarget.Key(provider, fullName);
        if (!Repositories.TryGetValue(key, out var inv))
        {
            inv = new PipelineRepositoryInventory(provider, fullName);
            Repositories[key] = inv;
        }

        return inv;
    }

    /// <summary>A project's inventory by provider and path, or null.</summary>
    public PipelineRepositoryInventory? Project(string provider, string fullName) =>
        Repositories.GetValueOrDefault(PipelineTarget.Key(provider, fullName));
}

/// <summary>What a scan evaluates: the inventory, the event streams and what was (not) read.</summary>
public sealed class ScanInput
{
    public ScanInventory Inventory { get; } = new();
    public List<IActivityStream> Streams { get; } = [];
    public CoverageLog Coverage { get; } = new();

    /// <summary>Files read, relative to the snapshot root, for the run record.</summary>
    public List<string> InputsRead { get; } = [];
}
