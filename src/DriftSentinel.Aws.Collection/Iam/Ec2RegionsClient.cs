using DriftSentinel.Aws.Collection.Http;

namespace DriftSentinel.Aws.Collection.Iam;

/// <summary>An enabled region of an account (EC2 DescribeRegions without AllRegions lists only those).</summary>
internal sealed record EnabledRegion(string RegionName, string? OptInStatus);

/// <summary>Lists the regions enabled in an account, shaped like AWSSDK.EC2's DescribeRegions.</summary>
internal interface IRegionsClient
{
    Task<IReadOnlyList<EnabledRegion>> DescribeRegionsAsync(CancellationToken cancellationToken);
}

/// <summary>EC2 DescribeRegions over the Query protocol (Version 2016-11-15), SigV4 service "ec2".</summary>
internal sealed class Ec2RegionsClient(AwsHttpClient http, ServiceTarget target) : IRegionsClient
{
    public async Task<IReadOnlyList<EnabledRegion>> DescribeRegionsAsync(CancellationToken cancellationToken)
    {
        var doc = await http.QueryAsync(target, "DescribeRegions", "2016-11-15", [], cancellationToken).ConfigureAwait(false);
        return doc.Root.List("regionInfo", r => new EnabledRegion(r.Str("regionName") ?? string.Empty, r.Str("optInStatus")))
            .Where(r => r.RegionName.Length > 0)
            .ToList();
    }
}
