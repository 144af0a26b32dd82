using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>DS-SEP-001: one credential or non-human identity acting in, or holding access to, both production and non-production.</summary>
internal sealed class SharedCredentialAcrossEnvironmentsCheck : Rule
{
    public override string Id => "DS-SEP-001";

    private readonly Dictionary<string, Usage> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Usage> _assumers = new(StringComparer.Ordinal);

    public override void Observe(ActivityEvent e, RuleContext context)
    {
        if (e.Cloud != Cloud.Aws || !e.Succeeded)
        {
            return;
        }

        // Long-term keys only: temporary (ASIA) keys are per session and cannot be shared.
        if (e.Actor.AccessKeyId is { } key && key.StartsWith("AKIA", StringComparison.Ordinal))
        {
            var env = context.Baseline.EnvironmentOfAwsAccount(e.AccountId);
            if (env is not null)
            {
                Track(_keys, key, env.Name, env.IsProduction, e, e.Actor.Id);
            }
        }

        if (e.Action.StartsWith("AssumeRole", StringComparison.Ordinal) && e.TargetRoleArn is { } target)
        {
            var kind = context.Identities.KindOf(e.Actor, Cloud.Aws);
            if (kind is PrincipalKind.Human or PrincipalKind.Root || e.Actor.Type == "AWSService")
            {
                return;
            }

            var env = context.Baseline.EnvironmentOfAwsAccount(AwsArn.AccountOf(target) ?? e.AccountId);
            if (env is not null)
            {
                Track(_assumers, e.Actor.EffectiveId, env.Name, env.IsProduction, e, e.Actor.EffectiveId);
            }
        }
    }

    private static void Track(Dictionary<string, Usage> map, string key, string env, bool prod, ActivityEvent e, string principal)
    {
        if (!map.TryGetValue(key, out var u))
        {
            u = new Usage(principal);
            map[key] = u;
        }

        u.Count++;
        u.First = u.First is null || e.Time < u.First ? e.Time : u.First;
        u.Last = u.Last is null || e.Time > u.Last ? e.Time : u.Last;
        var bucket = prod ? u.Production : u.NonProduction;
        if (!bucket.ContainsKey(env))
        {
            bucket[env] = EventFindingAccumulator.Evidence(e);
        }
    }

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var title = context.Title(Id);
        var severity = context.Severity(Id);
        foreach (var (key, u) in _keys.Where(k => k.Value.Crosses))
        {
            var shown = Redaction.Credential(key);
            yield return Make(context, title, severity, u, ["access-key", key], $"access key {shown}",
                $"Access key {shown} of {u.Principal} was used in production ({Envs(u.Production)}) and non-production ({Envs(u.NonProduction)})");
        }

        // A principal already reported through its shared key is the same drift seen twice.
        var keyHolders = _keys.Values.Where(u => u.Crosses).Select(u => u.Principal).ToHashSet(StringComparer.Ordinal);
        foreach (var (principal, u) in _assumers.Where(k => k.Value.Crosses && !keyHolders.Contains(k.Key)))
        {
            yield return Make(context, title, severity, u, ["assume-role", principal], principal,
                $"{principal} assumed roles in production ({Envs(u.Production)}) and non-production ({Envs(u.NonProduction)})");
        }

        foreach (var f in AzurePrincipals(context, title, severity))
        {
            yield return f;
        }

        foreach (var f in RepositorySecrets(context, title, severity))
        {
            yield return f;
        }
    }

    private static Finding Make(RuleContext context, string title, Severity severity, Usage u, string[] identity, string resource, string message) => new()
    {
        Fingerprint = Finding.MakeFingerprint("DS-SEP-001", identity),
        RuleId = "DS-SEP-001",
        Title = title,
        Severity = severity,
        Cloud = Cloud.Aws,
        Environment = string.Join("+", u.Production.Keys.Order(StringComparer.Ordinal).Concat(u.NonProduction.Keys.Order(StringComparer.Ordinal))),
        // The account the credential or identity belongs to, where its ARN says so.
        Account = AwsArn.AccountOf(u.Principal),
        Principal = u.Principal,
        Resource = resource,
        FirstSeen = u.First,
        LastSeen = u.Last,
        Message = message,
        Evidence = [.. u.Production.Values, .. u.NonProduction.Values],
        Occurrences = u.Count,
    };

    private static string Envs(Dictionary<string, EvidenceRef> d) => string.Join(", ", d.Keys.Order(StringComparer.Ordinal));

    private static IEnumerable<Finding> AzurePrincipals(RuleContext context, string title, Severity severity)
    {
        var byPrincipal = context.Inventory.AzureSubscriptions.Values
            .SelectMany(s => s.Assignments.Select(a => (sub: s, a, env: context.Baseline.EnvironmentOfSubscription(s.SubscriptionId))))
            .Where(x => x.env is not null && x.a.PrincipalType is "ServicePrincipal" or "ManagedIdentity")
            .GroupBy(x => x.a.PrincipalId, StringComparer.OrdinalIgnoreCase);
        foreach (var g in byPrincipal)
        {
            var prod = g.Where(x => x.env!.IsProduction).ToList();
            var nonProd = g.Where(x => !x.env!.IsProduction).ToList();
            if (prod.Count == 0 || nonProd.Count == 0)
            {
                continue;
            }

            var name = g.Select(x => x.a.PrincipalName).FirstOrDefault(n => n is not null) ?? context.Inventory.PrincipalNames.GetValueOrDefault(g.Key) ?? g.Key;
            yield return new Finding
            {
                Fingerprint = Finding.MakeFingerprint("DS-SEP-001", "azure-principal", g.Key),
                RuleId = "DS-SEP-001",
                Title = title,
                Severity = severity,
                Cloud = Cloud.Azure,
                Environment = string.Join("+", g.Select(x => x.env!.Name).Distinct().Order(StringComparer.Ordinal)),
                Principal = g.Key,
                Resource = name,
                FirstSeen = g.Min(x => x.a.CreatedOn),
                LastSeen = g.Max(x => x.a.CreatedOn),
                Message = $"Service principal {name} holds roles in production ({string.Join(", ", prod.Select(x => x.sub.ResolveRoleName(x.a.RoleDefinitionId, x.a.RoleName) + " on " + x.a.Scope))}) and non-production ({string.Join(", ", nonProd.Select(x => x.sub.ResolveRoleName(x.a.RoleDefinitionId, x.a.RoleName) + " on " + x.a.Scope))})",
                Evidence = g.Take(6).Select(x => new EvidenceRef("role-assignment", $"{x.a.Source} {x.a.Id}", x.sub.ResolveRoleName(x.a.RoleDefinitionId, x.a.RoleName))).ToList(),
                Occurrences = g.Count(),
            };
        }
    }

    private static IEnumerable<Finding> RepositorySecrets(RuleContext context, string title, Severity severity)
    {
        foreach (var repo in context.Inventory.Repositories.Values)
        {
            var prodEnvs = repo.Deployments.Select(d => d.Environment).Distinct()
                .Where(env => context.Baseline.EnvironmentOfPipeline(repo.Provider, repo.FullName, env)?.IsProduction == true)
                .ToList();
            var declaredProd = context.Baseline.Environments.Where(e => e.IsProduction)
                .SelectMany(e => e.DeployTargets)
                .Any(t => t.IsProject(repo.Provider, repo.FullName));
            if (prodEnvs.Count == 0 && !declaredProd)
            {
                continue;
            }

            foreach (var secret in repo.Secrets.Where(s => s.Environment is null))
            {
                yield return new Finding
                {
                    Fingerprint = Finding.MakeFingerprint("DS-SEP-001", "repository-secret", repo.DisplayName, secret.Name),
                    RuleId = "DS-SEP-001",
                    Title = title,
                    Severity = severity,
                    Cloud = PipelineProviders.CloudOf(repo.Provider),
                    Environment = string.Join("+", context.Baseline.Environments.Where(e => e.DeployTargets.Any(t => t.IsProject(repo.Provider, repo.FullName))).Select(e => e.Name)),
                    Account = repo.DisplayName,
                    Principal = repo.DisplayName,
                    Resource = $"secret {secret.Name}",
                    FirstSeen = secret.UpdatedAt,
                    LastSeen = secret.UpdatedAt,
                    Message = $"Repository-level secret {secret.Name} in {repo.FullName}, which deploys to production, is readable by every workflow and environment; scope it to one environment",
                    Evidence = [new EvidenceRef("secret", secret.Source.ToString(), "name only; the value is never read")],
                };
            }
        }
    }

    private sealed class Usage(string principal)
    {
        public string Principal { get; } = principal;
        public Dictionary<string, EvidenceRef> Production { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, EvidenceRef> NonProduction { get; } = new(StringComparer.Ordinal);
        public long Count { get; set; }
        public DateTimeOffset? First { get; set; }
        public DateTimeOffset? Last { get; set; }
        public bool Crosses => Production.Count > 0 && NonProduction.Count > 0;
    }
}
