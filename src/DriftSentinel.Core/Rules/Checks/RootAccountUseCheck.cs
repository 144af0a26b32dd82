using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>DS-ACC-004: root sign-ins and API calls, recent root password or key use, and active root access keys.</summary>
internal sealed class RootAccountUseCheck : Rule
{
    public override string Id => "DS-ACC-004";

    private readonly EventFindingAccumulator _findings = new();

    // A root use already seen in the trail is the same use as the credential report's password_last_used.
    private readonly HashSet<string> _accountsSeen = new(StringComparer.Ordinal);

    public override void Observe(ActivityEvent e, RuleContext context)
    {
        if (e.Cloud != Cloud.Aws || e.Actor.Type != "Root" || !e.Succeeded)
        {
            return;
        }

        _accountsSeen.Add(e.AccountId);
        Record(e, context);
    }

    // Apart from Observe so the seed's closure is allocated for a root event only, not for every event.
    private void Record(ActivityEvent e, RuleContext context)
    {
        var env = context.EnvironmentOf(e);
        _findings.Add(new(e.AccountId), e, () => new FindingSeed
        {
            Identity = ["trail", e.AccountId],
            Severity = context.Severity(Id),
            Cloud = Cloud.Aws,
            Environment = env?.Name,
            Account = e.AccountId,
            Principal = $"arn:aws:iam::{e.AccountId}:root",
            Resource = "root user",
            Message = $"The root user of account {e.AccountId} was used (first: {e.Action})",
        });
    }

    public override void Merge(Rule other)
    {
        var theirs = (RootAccountUseCheck)other;
        _findings.Merge(theirs._findings);
        _accountsSeen.UnionWith(theirs._accountsSeen);
    }

    public override void WriteState(Engine.PartialStateWriter writer)
    {
        _findings.Write(writer);
        writer.WriteAll(_accountsSeen, static (w, account) => w.Write(account));
    }

    public override void ReadState(Engine.PartialStateReader reader)
    {
        _findings.Read(reader);
        _accountsSeen.UnionWith(reader.ReadAll(static r => r.ReadString()));
    }

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var title = context.Title(Id);
        foreach (var f in _findings.Build(Id, title))
        {
            yield return f;
        }

        var window = TimeSpan.FromDays(context.Baseline.Thresholds.StaleAfterDays);
        foreach (var account in context.Inventory.AwsAccounts.Values.OrderBy(a => a.AccountId, StringComparer.Ordinal))
        {
            var root = account.CredentialReport.FirstOrDefault(r => r.IsRoot);
            if (root is null)
            {
                continue;
            }

            var env = context.Baseline.EnvironmentOfAwsAccount(account.AccountId)?.Name;
            var evidence = new EvidenceRef("credential-report", $"{account.CredentialReportFile} line {root.Line}", "<root_account> row");
            foreach (var key in root.AccessKeys.Where(k => k.Active))
            {
                yield return Make(context, title, env, account.AccountId, root, $"access-key-{key.Slot}", $"root access key {key.Slot}",
                    $"The root user of account {account.AccountId} has an active access key (slot {key.Slot}){(key.LastUsed is { } u ? $", last used {u:yyyy-MM-dd}" : "")}",
                    key.LastRotated, key.LastUsed, evidence);
            }

            if (root.PasswordLastUsed is { } used && context.AsOf - used <= window && !_accountsSeen.Contains(account.AccountId))
            {
                yield return Make(context, title, env, account.AccountId, root, "password-used", "root password",
                    $"The root user of account {account.AccountId} signed in with its password on {used:yyyy-MM-dd}, within the last {window.TotalDays:0} days",
                    used, used, evidence);
            }
        }
    }


    private Finding Make(RuleContext context, string title, string? env, string account, CredentialReportRow root, string what, string resource, string message,
        DateTimeOffset? first, DateTimeOffset? last, EvidenceRef evidence) => new()
        {
            Fingerprint = Finding.MakeFingerprint(Id, what, account),
            RuleId = Id,
            Title = title,
            Severity = context.Severity(Id),
            Cloud = Cloud.Aws,
            Environment = env,
            Account = account,
            Principal = root.Arn,
            Resource = resource,
            FirstSeen = first,
            LastSeen = last,
            Message = message,
            Evidence = [evidence],
        };
}
