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
                Track(_keys, key, env.Name, env.IsProduction, e, e.Actor.Id, e.AccountId);
            }
        }

        if (e.Action.StartsWith("AssumeRole", StringComparison.Ordinal) && e.TargetRoleArn is { } target)
        {
            var kind = context.Identities.KindOf(e.Actor, Cloud.Aws);
            if (kind is PrincipalKind.Human or PrincipalKind.Root || e.Actor.Type == "AWSService")
            {
                return;
            }

            var account = AwsArn.AccountOf(target) ?? e.AccountId;
            var env = context.Baseline.EnvironmentOfAwsAccount(account);
            if (env is not null)
            {
                Track(_assumers, e.Actor.EffectiveId, env.Name, env.IsProduction, e, e.Actor.EffectiveId, account);
            }
        }
    }

    private static void Track(Dictionary<string, Usage> map, string key, string env, bool prod, ActivityEvent e, string principal, string account)
    {
        if (!map.TryGetValue(key, out var u))
        {
            u = new Usage(principal, e.ReadOrder);
            map[key] = u;
        }
        else if (e.ReadOrder < u.PrincipalOrder)
        {
            u.Principal = principal;
            u.PrincipalOrder = e.ReadOrder;
        }

        u.See(e.Time);
        u.AddAccount(account);
        var at = u.IndexOf(env);
        if (at < 0)
        {
            u.Environments.Add(new EnvironmentUse(env, prod, e.ReadOrder, EventEvidence.Of(e)));
        }
        else if (e.ReadOrder < u.Environments[at].Order)
        {
            u.Environments[at] = new EnvironmentUse(env, prod, e.ReadOrder, EventEvidence.Of(e));
        }
    }

    public override void Merge(Rule other)
    {
        var theirs = (SharedCredentialAcrossEnvironmentsCheck)other;
        MergeInto(_keys, theirs._keys);
        MergeInto(_assumers, theirs._assumers);
    }

    public override void WriteState(Engine.PartialStateWriter writer)
    {
        Write(writer, _keys);
        Write(writer, _assumers);
    }

    public override void ReadState(Engine.PartialStateReader reader)
    {
        Read(reader, _keys);
        Read(reader, _assumers);
    }

    private static void Write(Engine.PartialStateWriter writer, Dictionary<string, Usage> usages) => writer.WriteAll(usages, static (w, kv) =>
    {
        var u = kv.Value;
        w.Write(kv.Key);
        w.Write(u.Principal);
        w.WriteOrder(u.PrincipalOrder);
        u.WriteSightings(w);
        w.WriteAll(u.Accounts, static (w, a) => w.Write(a));
        w.WriteAll(u.Environments, static (w, x) =>
        {
            w.Write(x.Name);
            w.Write(x.Production);
            w.WriteOrder(x.Order);
            x.Evidence.Write(w);
        });
    });

    private static void Read(Engine.PartialStateReader reader, Dictionary<string, Usage> usages)
    {
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString();
            var u = new Usage(reader.ReadString(), reader.ReadOrder());
            u.ReadSightings(reader);
            u.Accounts.AddRange(reader.ReadAll(static r => r.ReadString()));
            u.Environments.AddRange(reader.ReadAll(static r => new EnvironmentUse(r.ReadString(), r.ReadBoolean(), r.ReadOrder(), EventEvidence.Read(r))));
            usages[key] = u;
        }
    }

    private static void MergeInto(Dictionary<string, Usage> mine, Dictionary<string, Usage> theirs) =>
        mine.MergeWith(theirs, static (u, t) =>
        {
            if (t.PrincipalOrder < u.PrincipalOrder)
            {
                u.Principal = t.Principal;
                u.PrincipalOrder = t.PrincipalOrder;
            }

            u.Absorb(t);
            t.Accounts.ForEach(u.AddAccount);
            foreach (var use in t.Environments)
            {
                var at = u.IndexOf(use.Name);
                if (at < 0)
                {
                    u.Environments.Add(use);
                }
                else if (use.Order < u.Environments[at].Order)
                {
                    u.Environments[at] = use;
                }
            }
        });

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var title = context.Title(Id);
        var severity = context.Severity(Id);
        foreach (var (key, u) in _keys.Where(k => k.Value.Crosses))
        {
            var shown = Redaction.Credential(key);
            yield return Make(context, title, severity, u, ["access-key", key], $"access key {shown}",
                $"Access key {shown} of {u.Principal} was used in production ({Envs(u, production: true)}) and non-production ({Envs(u, production: false)})");
        }

        // A principal already reported through its shared key is the same drift seen twice.
        var keyHolders = _keys.Values.Where(u => u.Crosses).Select(u => u.Principal).ToHashSet(StringComparer.Ordinal);
        foreach (var (principal, u) in _assumers.Where(k => k.Value.Crosses && !keyHolders.Contains(k.Key)))
        {
            yield return Make(context, title, severity, u, ["assume-role", principal], principal,
                $"{principal} assumed roles in production ({Envs(u, production: true)}) and non-production ({Envs(u, production: false)})");
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
        Environment = string.Join("+", Names(u, production: true).Concat(Names(u, production: false))),
        // The account the credential or identity belongs to, where its ARN says so.
        Account = AwsArn.AccountOf(u.Principal),
        Principal = u.Principal,
        Resource = resource,
        FirstSeen = u.First,
        LastSeen = u.Last,
        Message = message,
        Evidence = [.. InReadOrder(u, production: true), .. InReadOrder(u, production: false)],
        Occurrences = u.Count,
        // Seen across accounts: resolved only by a run that read every one of them.
        DependsOn = [.. u.Accounts.Order(StringComparer.Ordinal)],
    };

    // The first event seen in each environment, in the order a one-thread read meets them.
    private static IEnumerable<EvidenceRef> InReadOrder(Usage u, bool production) =>
        u.Environments.Where(x => x.Production == production).OrderBy(x => x.Order).Select(x => x.Evidence.ToRef());

    private static IEnumerable<string> Names(Usage u, bool production) =>
        u.Environments.Where(x => x.Production == production).Select(x => x.Name).Order(StringComparer.Ordinal);

    private static string Envs(Usage u, bool production) => string.Join(", ", Names(u, production));

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

    /// <summary>Whether the project deploys to production (a production deployment read, or a declared production target).</summary>
    private static bool DeploysToProduction(RuleContext context, PipelineRepositoryInventory repo) =>
        repo.Deployments.Select(d => d.Environment).Distinct(StringComparer.OrdinalIgnoreCase)
            .Any(env => context.Baseline.EnvironmentOfPipeline(repo.Provider, repo.FullName, env)?.IsProduction == true)
        || context.Baseline.Environments.Where(e => e.IsProduction).SelectMany(e => e.DeployTargets).Any(t => t.IsProject(repo.Provider, repo.FullName));

    /// <summary>The environments whose deploy targets name the project.</summary>
    private static IEnumerable<string> EnvironmentsOf(RuleContext context, PipelineRepositoryInventory repo) =>
        context.Baseline.Environments.Where(e => e.DeployTargets.Any(t => t.IsProject(repo.Provider, repo.FullName))).Select(e => e.Name);

    /// <summary>
    /// Secrets a production-deploying pipeline can read outside its production environment: project-level secrets
    /// and masked variables not scoped to an environment, variable groups open to every pipeline, and organization
    /// secrets or group variables that reach the project.
    /// </summary>
    private static IEnumerable<Finding> RepositorySecrets(RuleContext context, string title, Severity severity)
    {
        var production = context.Inventory.Repositories.Values.Where(r => DeploysToProduction(context, r)).OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        foreach (var repo in production)
        {
            foreach (var secret in repo.Secrets.Where(s => s.Environment is null && s.Scope == PipelineSecretScope.Project))
            {
                var (what, reach) = repo.Provider switch
                {
                    PipelineProviders.GitLab => ($"Project-level {secret.Kind}", "is available to every job and environment (environment_scope *); scope it to the production environment"),
                    PipelineProviders.AzureDevOps => ($"The {secret.Kind}", "is authorized for every pipeline of the project; grant it to the production pipeline only"),
                    _ => ("Repository-level secret", "is readable by every workflow and environment; scope it to one environment"),
                };
                yield return new Finding
                {
                    // GitHub's identity predates the other providers: kept, so its findings keep their history.
                    Fingerprint = Finding.MakeFingerprint("DS-SEP-001", "repository-secret", repo.DisplayName, secret.Name),
                    RuleId = "DS-SEP-001",
                    Title = title,
                    Severity = severity,
                    Cloud = PipelineProviders.CloudOf(repo.Provider),
                    Environment = string.Join("+", EnvironmentsOf(context, repo)),
                    Account = repo.DisplayName,
                    Principal = repo.DisplayName,
                    Resource = $"secret {secret.Name}",
                    FirstSeen = secret.UpdatedAt,
                    LastSeen = secret.UpdatedAt,
                    Message = $"{what} {secret.Name}{(secret.Contents is null ? "" : $" ({secret.Contents})")} in {repo.FullName}, which deploys to production, {reach}",
                    Evidence = [new EvidenceRef("secret", secret.Source.ToString(), "name only; the value is never read")],
                };
            }
        }

        foreach (var shared in context.Inventory.SharedSecrets.Where(s => s.Environment is null).OrderBy(s => s.Provider, StringComparer.Ordinal).ThenBy(s => s.Owner, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal))
        {
            var reached = production.Where(r => shared.VisibleTo(r.Provider, r.FullName)).ToList();
            if (reached.Count == 0)
            {
                continue;
            }

            var owner = PipelineTarget.DisplayName(shared.Provider, shared.Owner);
            var kind = shared.Scope == PipelineSecretScope.Group ? "Group masked variable" : "Organization secret";
            yield return new Finding
            {
                Fingerprint = Finding.MakeFingerprint("DS-SEP-001", "shared-secret", owner, shared.Name),
                RuleId = "DS-SEP-001",
                Title = title,
                Severity = severity,
                Cloud = PipelineProviders.CloudOf(shared.Provider),
                Environment = string.Join("+", reached.SelectMany(r => EnvironmentsOf(context, r)).Distinct(StringComparer.Ordinal)),
                Account = owner,
                Principal = owner,
                Resource = $"secret {shared.Name}",
                FirstSeen = shared.UpdatedAt,
                LastSeen = shared.UpdatedAt,
                Message = $"{kind} {shared.Name} of {shared.Owner} (visibility {shared.Visibility}, every environment) is readable by {reached.Count} production-deploying project(s): {string.Join(", ", reached.Select(r => r.FullName))}; move it to the production environment",
                Evidence = [new EvidenceRef("secret", shared.Source.ToString(), "name and visibility only; the value is never read"),
                    .. reached.Take(5).Select(r => new EvidenceRef("project", r.DisplayName, "deploys to production"))],
            };
        }
    }

    private sealed class Usage(string principal, long principalOrder) : Sightings
    {
        /// <summary>The principal of the first event in read order.</summary>
        public string Principal { get; set; } = principal;
        public long PrincipalOrder { get; set; } = principalOrder;

        /// <summary>Each environment the credential acted in, with its first event there; usually one (lists, not dictionaries: there are as many usages as keys).</summary>
        public List<EnvironmentUse> Environments { get; } = new(1);
        public List<string> Accounts { get; } = new(1);
        public bool Crosses => Environments.Exists(x => x.Production) && Environments.Exists(x => !x.Production);

        // Loops rather than LINQ: asked for every event that carries a long-term key.
        public void AddAccount(string account)
        {
            for (var i = 0; i < Accounts.Count; i++)
            {
                if (Accounts[i] == account)
                {
                    return;
                }
            }

            Accounts.Add(account);
        }

        public int IndexOf(string environment)
        {
            for (var i = 0; i < Environments.Count; i++)
            {
                if (Environments[i].Name == environment)
                {
                    return i;
                }
            }

            return -1;
        }
    }

    private readonly record struct EnvironmentUse(string Name, bool Production, long Order, EventEvidence Evidence);
}
