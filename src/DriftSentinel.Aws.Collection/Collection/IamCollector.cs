using System.Text.Json;
using DriftSentinel.Aws.Collection.Http;
using DriftSentinel.Aws.Collection.Iam;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Aws.Collection.Collection;

/// <summary>Collects an account's IAM authorization details (every page) and credential report into the snapshot.</summary>
internal sealed class IamCollector(CredentialReportOptions reportOptions, TimeProvider clock)
{
    private static readonly JsonSerializerOptions CliJson = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Follows IsTruncated/Marker to the end and writes the merged pages as the CLI would.</summary>
    public static async Task CollectAuthorizationDetailsAsync(IIamClient iam, string account, string iamFolder, CoverageLog coverage, CancellationToken ct)
    {
        var merged = new GetAccountAuthorizationDetailsResponse();
        var pages = 0;
        string? failure = null;
        try
        {
            string? marker = null;
            do
            {
                var page = await iam.GetAccountAuthorizationDetailsAsync(new GetAccountAuthorizationDetailsRequest { Marker = marker, MaxItems = 1000 }, ct).ConfigureAwait(false);
                pages++;
                merged.UserDetailList.AddRange(page.UserDetailList);
                merged.GroupDetailList.AddRange(page.GroupDetailList);
                merged.RoleDetailList.AddRange(page.RoleDetailList);
                merged.Policies.AddRange(page.Policies);

                // A short page is not the last one: only IsTruncated=false ends the listing.
                if (page.IsTruncated && string.IsNullOrEmpty(page.Marker))
                {
                    throw new AwsServiceException("iam", "MalformedResponse", System.Net.HttpStatusCode.OK, $"page {pages} says IsTruncated but has no Marker");
                }

                marker = page.IsTruncated ? page.Marker : null;
            }
            while (marker is not null);
        }
        catch (Exception e) when (e is AwsServiceException or Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            failure = $"GetAccountAuthorizationDetails failed after {pages} page(s): {AwsErrors.Describe(e)}";
        }

        var items = merged.UserDetailList.Count + merged.GroupDetailList.Count + merged.RoleDetailList.Count + merged.Policies.Count;
        if (pages > 0)
        {
            Directory.CreateDirectory(iamFolder);
            await using var file = File.Create(Path.Combine(iamFolder, "authorization-details.json"));
            await JsonSerializer.SerializeAsync(file, merged, CliJson, ct).ConfigureAwait(false);
        }

        if (failure is null)
        {
            coverage.Read("aws.iam.get-account-authorization-details", account, items,
                $"{merged.UserDetailList.Count} users, {merged.GroupDetailList.Count} groups, {merged.RoleDetailList.Count} roles, {merged.Policies.Count} managed policies in {pages} page(s)");
        }
        else
        {
            coverage.Failed("aws.iam.get-account-authorization-details", account, items, failure + (pages > 0 ? "; the pages read were kept, so IAM findings for this account may be incomplete" : string.Empty));
        }
    }

    /// <summary>
    /// Reuses a report younger than MaxAge; otherwise asks IAM to generate one and polls (STARTED, INPROGRESS,
    /// ReportInProgress) until it is COMPLETE or MaxWait has passed, which is reported as a gap.
    /// </summary>
    public async Task CollectCredentialReportAsync(IIamClient iam, string account, string iamFolder, CoverageLog coverage, CancellationToken ct)
    {
        const string Source = "aws.iam.get-credential-report";
        var deadline = clock.GetUtcNow() + reportOptions.MaxWait;
        DateTimeOffset? requestedAt = null;
        var lastState = "not requested";
        try
        {
            while (true)
            {
                GetCredentialReportResponse? report = null;
                try
                {
                    report = await iam.GetCredentialReportAsync(ct).ConfigureAwait(false);
                }
                catch (AwsServiceException e) when (e.ErrorCode is "ReportNotPresent" or "ReportExpired" or "ReportInProgress")
                {
                    lastState = e.ErrorCode;
                }

                if (report is not null)
                {
                    // A stale report may still be served while the new one is generated: wait for a fresh one.
                    var generatedAt = report.GeneratedTime is { } generated ? new DateTimeOffset(generated, TimeSpan.Zero) : DateTimeOffset.MinValue;
                    var fresh = clock.GetUtcNow() - generatedAt <= reportOptions.MaxAge;
                    if (fresh)
                    {
                        Directory.CreateDirectory(iamFolder);
                        await File.WriteAllBytesAsync(Path.Combine(iamFolder, "credential-report.csv"), report.Content, ct).ConfigureAwait(false);
                        var rows = Math.Max(0, report.Content.Count(b => b == (byte)'\n') + (report.Content.Length > 0 && report.Content[^1] != (byte)'\n' ? 1 : 0) - 1);
                        coverage.Read(Source, account, rows, $"generated {report.GeneratedTime:yyyy-MM-ddTHH:mm:ssZ}{(requestedAt is null ? " (reused)" : string.Empty)}");
                        return;
                    }

                    lastState = $"older than {reportOptions.MaxAge.TotalHours:0.#} h";
                }

                var generation = await iam.GenerateCredentialReportAsync(ct).ConfigureAwait(false);
                requestedAt ??= clock.GetUtcNow();
                lastState = generation.State ?? "unknown";
                if (string.Equals(generation.State, "COMPLETE", StringComparison.OrdinalIgnoreCase))
                {
                    if (clock.GetUtcNow() >= deadline)
                    {
                        break;
                    }

                    continue;
                }

                if (clock.GetUtcNow() + reportOptions.PollInterval > deadline)
                {
                    break;
                }

                await Task.Delay(reportOptions.PollInterval, clock, ct).ConfigureAwait(false);
            }

            coverage.Failed(Source, account, 0, $"the credential report was not ready within {reportOptions.MaxWait.TotalSeconds:0} s (last state {lastState}); console passwords, access key ages and MFA for this account were not checked");
        }
        catch (Exception e) when (e is AwsServiceException or Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            coverage.Failed(Source, account, 0, $"credential report: {AwsErrors.Describe(e)}");
        }
    }
}

/// <summary>Short, secret-free descriptions of AWS errors for coverage entries and logs.</summary>
internal static class AwsErrors
{
    public static string Describe(Exception e) => e switch
    {
        AwsServiceException a => $"{a.ErrorCode} (HTTP {(int)a.Status}): {a.ServiceMessage}",
        Amazon.Runtime.AmazonServiceException s => $"{s.ErrorCode} (HTTP {(int)s.StatusCode}): {s.Message}",
        TaskCanceledException => "timed out",
        _ => e.Message,
    };
}
