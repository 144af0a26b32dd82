using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>DS-CRED-001: active IAM access keys older than access_key_max_age_days, or unused for stale_after_days.</summary>
internal sealed class OldOrUnusedAccessKeyCheck : Rule
{
    public override string Id => "DS-CRED-001";

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var maxAge = context.Baseline.Thresholds.AccessKeyMaxAgeDays;
        var stale = context.Baseline.Thresholds.StaleAfterDays;
        foreach (var account in context.Inventory.AwsAccounts.Values.OrderBy(a => a.AccountId, StringComparer.Ordinal))
        {
            var env = context.Baseline.EnvironmentOfAwsAccount(account.AccountId)?.Name;

            // Root keys are DS-ACC-004's.
            foreach (var row in account.CredentialReport.Where(r => !r.IsRoot))
            {
                foreach (var key in row.AccessKeys.Where(k => k.Active))
                {
                    var problems = new List<string>();
                    if (key.LastRotated is { } rotated && (context.AsOf - rotated).TotalDays > maxAge)
                    {
                        problems.Add($"{(int)(context.AsOf - rotated).TotalDays} days old (limit {maxAge})");
                    }

                    if (key.LastUsed is { } used)
                    {
                        if ((context.AsOf - used).TotalDays > stale)
                        {
                            problems.Add($"unused for {(int)(context.AsOf - used).TotalDays} days (limit {stale})");
                        }
                    }
                    else if (key.LastRotated is { } created && (context.AsOf - created).TotalDays > stale)
                    {
                        problems.Add($"never used in {(int)(context.AsOf - created).TotalDays} days");
                    }

                    if (problems.Count == 0)
                    {
                        continue;
                    }

                    yield return new Finding
                    {
                        // The rotation date is part of the identity: a rotated key is a new credential.
                        Fingerprint = Finding.MakeFingerprint(Id, account.AccountId, row.Arn, key.Slot.ToString(System.Globalization.CultureInfo.InvariantCulture), key.LastRotated?.ToString("O")),
                        RuleId = Id,
                        Title = context.Title(Id),
                        Severity = context.Severity(Id),
                        Cloud = Cloud.Aws,
                        Environment = env,
                        Account = account.AccountId,
                        Principal = row.Arn,
                        Resource = $"access key {key.Slot}",
                        FirstSeen = key.LastRotated,
                        LastSeen = key.LastUsed,
                        Message = $"Access key {key.Slot} of {row.User} is {string.Join(" and ", problems)}",
                        Evidence = [new EvidenceRef("credential-report", $"{account.CredentialReportFile} line {row.Line}", $"access_key_{key.Slot}_last_rotated={key.LastRotated:yyyy-MM-dd}, last_used={(key.LastUsed is null ? "N/A" : key.LastUsed.Value.ToString("yyyy-MM-dd"))}")],
                    };
                }
            }
        }
    }
}
