namespace DriftSentinel.Core.Model;

/// <summary>Everything read from a snapshot except the audit trails, which are streamed.</summary>
public sealed class ScanInventory
{
    public Dictionary<string, AwsAccountInventory> AwsAccounts { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, AzureSubscriptionInventory> AzureSubscriptions { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, PipelineRepositoryInventory> Repositories { get; } = new(StringComparer.OrdinalIgnoreCase);

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

    public PipelineRepositoryInventory Repository(string fullName)
    {
        if (!Repositories.TryGetValue(fullName, out var inv))
        {
            inv = new PipelineRepositoryInventory(fullName);
            Repositories[fullName] = inv;
        }

        return inv;
    }
}

/// <summary>A stream of audit events read lazily, so memory does not grow with the trail.</summary>
public interface IActivityStream
{
    /// <summary>Human-readable name (e.g. "aws/111122223333/cloudtrail").</summary>
    string Name { get; }

    /// <summary>Yields events; a file that cannot be read is recorded in <paramref name="coverage"/> and skipped.</summary>
    IEnumerable<ActivityEvent> Read(CoverageLog coverage);

    /// <summary>The files the stream will read (for progress and its ETA); none when unknown.</summary>
    IReadOnlyList<string> InputFiles() => [];
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

/// <summary>Reads one source's part of a snapshot folder into a <see cref="ScanInput"/>. Implemented by the adapters.</summary>
public interface ISnapshotReader
{
    void Read(string snapshotRoot, ScanInput input);
}
