using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>DS-ACC-003: console-capable users without MFA, and console or Azure management sign-ins made without MFA.</summary>
internal sealed class ConsoleAccessWithoutMfaCheck : Rule
{
    public override string Id => "DS-ACC-003";

    // Entra applications that manage Azure resources (sign-ins to these are administrative).
    private static readonly string[] AzureManagementApps = ["Azure Portal", "Microsoft Azure CLI", "Microsoft Azure PowerShell", "Windows Azure Service Management API", "Azure Resource Manager"];

    private readonly EventFindingAccumulator _findings = new();

    // Per tenant: interactive sign-ins of people, and those whose record cannot say whether MFA was used.
    private readonly SortedDictionary<string, (long Interactive, long Unknown, string? First, long FirstOrder)> _entraMfa = new(StringComparer.Ordinal);

    public override void Observe(ActivityEvent e, RuleContext context)
    {
        if (e.Cloud == Cloud.Entra && e.Succeeded && e.Interactive == true && e.Actor.Kind == PrincipalKind.Human)
        {
            var (interactive, unknown, first, firstOrder) = _entraMfa.GetValueOrDefault(e.AccountId);
            _entraMfa[e.AccountId] = e.MfaUsed is null
                ? (interactive + 1, unknown + 1, first is null || e.ReadOrder < firstOrder ? e.Source.ToString() : first, first is null ? e.ReadOrder : Math.Min(firstOrder, e.ReadOrder))
                : (interactive + 1, unknown, first, firstOrder);
        }

        if (!e.Succeeded || e.MfaUsed != false)
        {
            return;
        }

        if (e.Cloud == Cloud.Aws && e.Action == "ConsoleLogin" && e.Actor.Type is "IAMUser" or "Root")
        {
            RecordLogin(e, context);
        }
        else if (e.Cloud == Cloud.Entra && e.Interactive == true
                 && (AzureManagementApps.Contains(e.Application, StringComparer.OrdinalIgnoreCase) || AzureManagementApps.Contains(e.Resource, StringComparer.OrdinalIgnoreCase)))
        {
            RecordSignIn(e, context);
        }
    }

    // Apart from Observe so the seed's closures are allocated for a sign-in without MFA only, not for every event.
    private void RecordLogin(ActivityEvent e, RuleContext context)
    {
        var env = context.EnvironmentOf(e);
        _findings.Add(new("login", e.AccountId, e.Actor.Id), e, () => new FindingSeed
        {
            Identity = ["console-login", e.AccountId, e.Actor.Id],
            Severity = context.Severity(Id),
            Cloud = Cloud.Aws,
            Environment = env?.Name,
            Account = e.AccountId,
            Principal = e.Actor.Id,
            Resource = "console",
            Message = $"{e.Actor.Id} signed in to the console of account {e.AccountId} without MFA",
        });
    }

    private void RecordSignIn(ActivityEvent e, RuleContext context)
    {
        _findings.Add(new("signin", e.AccountId, e.Actor.Id), e, () => new FindingSeed
        {
            Identity = ["entra-sign-in", e.AccountId, e.Actor.Id],
            Severity = context.Severity(Id),
            Cloud = Cloud.Entra,
            Account = e.AccountId,
            Principal = e.Actor.Id,
            Resource = e.Application ?? e.Resource,
            Message = $"{e.Actor.Id} signed in to {e.Application ?? e.Resource} (Azure management) with a single factor",
        });
    }

    public override void Merge(Rule other)
    {
        var theirs = (ConsoleAccessWithoutMfaCheck)other;
        _findings.Merge(theirs._findings);
        foreach (var (tenant, t) in theirs._entraMfa)
        {
            if (!_entraMfa.TryGetValue(tenant, out var m))
            {
                _entraMfa[tenant] = t;
                continue;
            }

            var theirsFirst = m.First is null || (t.First is not null && t.FirstOrder < m.FirstOrder);
            _entraMfa[tenant] = (m.Interactive + t.Interactive, m.Unknown + t.Unknown, theirsFirst ? t.First : m.First, theirsFirst ? t.FirstOrder : m.FirstOrder);
        }
    }

    public override void WriteState(Engine.PartialStateWriter writer)
    {
        _findings.Write(writer);
        writer.WriteAll(_entraMfa, static (w, kv) =>
        {
            w.Write(kv.Key);
            w.Write(kv.Value.Interactive);
            w.Write(kv.Value.Unknown);
            w.Write(kv.Value.First);
            w.WriteOrder(kv.Value.FirstOrder);
        });
    }

    public override void ReadState(Engine.PartialStateReader reader)
    {
        _findings.Read(reader);
        foreach (var (tenant, state) in reader.ReadAll(static r => (r.ReadString(), (r.ReadInt64(), r.ReadInt64(), r.ReadNullableString(), r.ReadOrder()))))
        {
            _entraMfa[tenant] = state;
        }
    }

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var title = context.Title(Id);
        foreach (var f in _findings.Build(Id, title))
        {
            yield return f;
        }

        foreach (var (tenant, (interactive, unknown, first, _)) in _entraMfa.Where(kv => kv.Value.Unknown > 0))
        {
            context.Coverage.Add(new CoverageEntry("entra.sign-ins.mfa", tenant, CoverageStatus.Partial, interactive - unknown,
                $"{unknown} of {interactive} interactive sign-ins do not say whether MFA was used (no authenticationRequirement, "
                + $"authenticationDetails or mfaDetail, as in a Graph v1.0 export; first at {first}): {Id} could not judge them"));
        }

        foreach (var account in context.Inventory.AwsAccounts.Values.OrderBy(a => a.AccountId, StringComparer.Ordinal))
        {
            var env = context.Baseline.EnvironmentOfAwsAccount(account.AccountId);
            foreach (var row in account.CredentialReport.Where(r => (r.PasswordEnabled || r.IsRoot) && !r.MfaActive))
            {
                yield return new Finding
                {
                    Fingerprint = Finding.MakeFingerprint(Id, "credential-report", account.AccountId, row.Arn),
                    RuleId = Id,
                    Title = title,
                    Severity = row.IsRoot ? Severity.Critical : context.Severity(Id),
                    Cloud = Cloud.Aws,
                    Environment = env?.Name,
                    Account = account.AccountId,
                    Principal = row.Arn,
                    Resource = "console password",
                    FirstSeen = row.UserCreationTime,
                    LastSeen = row.PasswordLastUsed,
                    Message = row.IsRoot
                        ? $"The root user of account {account.AccountId} has no MFA device"
                        : $"IAM user {row.User} can sign in to the console with a password and has no MFA device",
                    Evidence = [new EvidenceRef("credential-report", $"{account.CredentialReportFile} line {row.Line}", $"password_enabled={(row.PasswordEnabled ? "true" : "not_supported")}, mfa_active=false")],
                };
            }
        }
    }
}
