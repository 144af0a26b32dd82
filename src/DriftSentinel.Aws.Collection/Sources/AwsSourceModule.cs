using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using DriftSentinel.Aws.Collection.Collection;
using DriftSentinel.Aws.Collection.Http;
using DriftSentinel.Aws.Collection.Sessions;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Aws.Collection.Sources;

/// <summary>AWS: aws/ACCOUNT/{iam,cloudtrail} read by <see cref="AwsSnapshotReader"/>, collected live from section DriftSentinel:Aws.</summary>
internal sealed class AwsSourceModule(Func<AWSCredentials>? credentials = null) : ISourceModule
{
    public string Name => "aws";

    public IReadOnlyList<string> SnapshotFolders { get; } = ["aws"];

    public ISnapshotReader Reader { get; } = new AwsSnapshotReader();

    public ILiveCollector? Collector { get; } = new AwsLiveCollector(credentials ?? (() => new DefaultAWSCredentialsIdentityResolver().ResolveIdentity(null)));

    public void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(input);
        foreach (var env in baseline.Environments)
        {
            foreach (var account in env.AwsAccounts.Distinct(StringComparer.Ordinal))
            {
                if (!input.Inventory.AwsAccounts.ContainsKey(account) && !DeclaredScopes.Mentioned(input, account, StringComparison.Ordinal))
                {
                    input.Coverage.Missing("aws", account,
                        $"AWS account {account} is {DeclaredScopes.Describe(env)} but aws/{account}/ is not in the snapshot: its IAM authorization details, credential report and CloudTrail were not read");
                }
            }
        }
    }

    private sealed class AwsLiveCollector(Func<AWSCredentials> credentials) : LiveCollector<AwsCollectionOptions>
    {
        public override string Section => "Aws";

        protected override IEnumerable<string> Validate(AwsCollectionOptions options, string prefix) => options.Validate(prefix);

        protected override Action Collect(AwsCollectionOptions options, LiveCollectionContext context)
        {
            AWSCredentials baseCredentials;
            try
            {
                baseCredentials = credentials();
            }
            catch (AmazonClientException e)
            {
                throw new SourceConfigurationException($"no AWS credentials: {e.Message} (set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where instance or web identity credentials exist)");
            }

            var store = new FileWatermarkStore(Path.Combine(context.StateDirectory, "aws-watermarks.json"));
            var previous = context.Full ? new WatermarkState() : store.Load();
            using var clients = new AwsClients(options, baseCredentials, new AwsRetryPolicy(options.Retry, context.Metrics, context.Clock), context.Clock);
            using var collector = new AwsCollector(options, clients, context.Metrics, context.Clock, context.Log);
            var result = collector.CollectAsync(context.SnapshotFolder, previous, context.Coverage, CancellationToken.None).GetAwaiter().GetResult();
            return () => store.Save(result.Watermarks);
        }
    }
}

/// <summary>Registration of the AWS source.</summary>
public static class AwsSourceRegistration
{
    /// <summary>Adds AWS (snapshot reader and live collector); <paramref name="credentials"/> defaults to AWSSDK.Core's chain.</summary>
    public static SourceRegistry AddAws(this SourceRegistry registry, Func<AWSCredentials>? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Add(new AwsSourceModule(credentials));
    }
}
