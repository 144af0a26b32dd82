using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>
/// DS-DEP-001: deploy-class changes in production that no approved pipeline deployment explains. Every production
/// change is classified (approved pipeline run, pipeline identity outside any run, out-of-band, break-glass).
/// </summary>
internal sealed class OutOfBandDeployCheck : Rule
{
    public override string Id => "DS-DEP-001";

    private readonly EventFindingAccumulator _findings = new();
    private readonly Dictionary<string, List<(PipelineDeployment Deployment, string Repository)>> _deploymentsByEnv = new(StringComparer.Ordinal);

    public override void Begin(RuleContext context)
    {
        foreach (var repo in context.Inventory.Repositories.Values)
        {
            foreach (var d in repo.Deployments)
            {
                var env = context.Baseline.EnvironmentOfPipeline(repo.Provider, repo.FullName, d.Environment);
                if (env is null)
                {
                    continue;
                }

                if (!_deploymentsByEnv.TryGetValue(env.Name, out var list))
                {
                    list = [];
                    _deploymentsByEnv[env.Name] = list;
                }

                list.Add((d, repo.FullName));
            }
        }
    }

    /// <summary>
    /// Where each temporary session came from — an AWS session by the key AssumeRole* issued, an Azure access token by
    /// the unique token id its service-principal sign-in issued: the OIDC subject of a pipeline, or who obtained it.
    /// </summary>
    private readonly Dictionary<string, (SessionOrigin Origin, long Order)> _sessions = new(StringComparer.Ordinal);

    private sealed record SessionOrigin(PipelineSubject? Subject, string? WebIdentity, string AssumedBy, string Evidence);

    public override void Observe(ActivityEvent e, RuleContext context)
    {
        if (!e.Succeeded)
        {
            return;
        }

        // Sessions are followed from their assumption (or sign-in) to their changes by the temporary key (or token) they were issued.
        if (e.IssuedAccessKeyId is { Length: > 0 } issued)
        {
            KeepSession(issued, (new SessionOrigin(PipelineSubject.Parse(e.WebIdentityProvider, e.WebIdentitySubject), e.WebIdentitySubject ?? e.WebIdentityProvider, e.Actor.EffectiveId, $"{e.Source} eventId={e.EventId}"), e.ReadOrder));
        }

        if (e.Cloud == Cloud.Entra)
        {
            return;
        }

        var deploys = context.Catalogue.DeployActions;
        if (e.Cloud == Cloud.Aws ? !deploys.IsAwsDeploy(e.Service, e.Action) : !deploys.IsAzureDeploy(e.Action))
        {
            return;
        }

        var env = context.EnvironmentOf(e);
        if (env?.IsProduction != true)
        {
            return;
        }

        // A change whose session is not known yet waits for the end of the stream: its assumption may come later in
        // file order (LookupEvents lists newest first) or in a file another thread reads. Beyond the bound it is
        // judged now, with the sessions seen so far.
        if (SessionKeyOf(e) is { Length: > 0 } key && !IsLongTermKey(key) && !_sessions.ContainsKey(key) && _pending.Count < MaxPending)
        {
            _pending.Add(e);
            return;
        }

        Classify(e, env, context);
    }

    /// <summary>Deployer changes held until every session is known; bounded so memory stays bounded.</summary>
    private const int MaxPending = 100_000;

    private readonly List<ActivityEvent> _pending = [];

    // An IAM user's own key (AKIA…) is never issued by an assumption: waiting for its session would be waiting for nothing.
    private static bool IsLongTermKey(string key) => key.StartsWith("AKIA", StringComparison.Ordinal);

    // A key is issued once; should a trail hold two records for it, the later in read order wins.
    private void KeepSession(string key, (SessionOrigin Origin, long Order) session)
    {
        if (!_sessions.TryGetValue(key, out var known) || session.Order > known.Order)
        {
            _sessions[key] = session;
        }
    }

    private static string? SessionKeyOf(ActivityEvent e) => e.Cloud == Cloud.Aws ? e.Actor.AccessKeyId : e.Actor.TokenId;

    private void Classify(ActivityEvent e, EnvironmentDeclaration env, RuleContext context)
    {
        var baseline = context.Baseline;
        var principal = IdentityClassifier.PrincipalOf(e);
        var deployer = context.Identities.DeployerOf(e);
        var breakGlass = context.Identities.IsBreakGlass(e);

        ChangeClassification classification;
        string? justification = null;
        string? link = null;
        string? why = null;
        var sessionKey = SessionKeyOf(e);
        var session = sessionKey is { Length: > 0 } && _sessions.TryGetValue(sessionKey, out var known) ? known.Origin : null;
        if (breakGlass)
        {
            classification = ChangeClassification.BreakGlass;
            justification = e.Actor.SessionName;
        }
        else if (deployer is not null && session is not null)
        {
            // What the session proves outranks any time window: who asked for these credentials, for which run.
            link = "session";
            if (session.Subject is not { } subject)
            {
                classification = ChangeClassification.PipelineIdentityOutsideRun;
                why = session.WebIdentity is null
                    ? $"its session was assumed by {session.AssumedBy}, not by a pipeline"
                    : $"its session came from web identity '{session.WebIdentity}', which names no pipeline project";
            }
            else if (!env.DeployTargets.Any(subject.Names))
            {
                classification = ChangeClassification.OutOfBand;
                why = $"its session came from pipeline subject '{subject.Text}', which is not a declared deploy target of {env.Name}";
            }
            else if (MatchDeployment(context, env, deployer, e.Time, subject) is { } run)
            {
                classification = ChangeClassification.ApprovedPipelineRun;
                justification = $"{Justification(context, run.Deployment, run.Repository)}; session of {subject.Text}";
            }
            else
            {
                classification = ChangeClassification.PipelineIdentityOutsideRun;
                why = $"its session came from {subject.Text}, but no successful deployment of {subject.Project} to {env.Name} covers the change";
            }
        }
        else if (deployer is not null)
        {
            link = "time-window";
            var match = MatchDeployment(context, env, deployer, e.Time, null);
            classification = match is null ? ChangeClassification.PipelineIdentityOutsideRun : ChangeClassification.ApprovedPipelineRun;
            justification = match is null ? null : Justification(context, match.Value.Deployment, match.Value.Repository);
        }
        else
        {
            classification = ChangeClassification.OutOfBand;
        }

        context.RecordProductionChange(e.ReadOrder, new ProductionChange(e.Time, e.Cloud, env.Name, e.AccountId, e.Action, principal, e.Resource, classification, justification, $"{e.Source} eventId={e.EventId}", link));
        if (classification is ChangeClassification.ApprovedPipelineRun or ChangeClassification.BreakGlass)
        {
            return;
        }

        var label = classification == ChangeClassification.OutOfBand ? "human or unknown out-of-band" : "pipeline identity outside any run";
        _findings.Add(new(e.AccountId, principal, classification.ToString(), e.Resource), e, () => new FindingSeed
        {
            Identity = [e.AccountId, principal, classification.ToString(), e.Resource],
            Severity = classification == ChangeClassification.OutOfBand ? Severity.Critical : context.Severity(Id),
            Cloud = e.Cloud,
            Environment = env.Name,
            Account = e.AccountId,
            Principal = principal,
            Resource = e.Resource,
            Message = why is not null
                ? $"Deployer {deployer!.Name} ({principal}) changed production ({e.Action} on {e.Resource ?? "unknown resource"}): {why}"
                : classification == ChangeClassification.OutOfBand
                ? $"{principal}, not a declared deployer, changed production ({e.Action} on {e.Resource ?? "unknown resource"})"
                : $"Deployer {deployer!.Name} ({principal}) changed production ({e.Action} on {e.Resource ?? "unknown resource"}) with no pipeline deployment to {env.Name} within {baseline.Thresholds.DeployMatchWindowMinutes} minutes",
            Details = Details(label, link, session),
        });
    }

    /// <summary>The classification, which link decided it (session or time-window), and the session's origin with its record.</summary>
    private static SortedDictionary<string, string> Details(string label, string? link, SessionOrigin? session)
    {
        var details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["classification"] = label };
        if (link is not null)
        {
            details["link"] = link;
        }

        if (session is not null)
        {
            details["session"] = $"{session.WebIdentity ?? "assumed by " + session.AssumedBy} ({session.Evidence})";
        }

        return details;
    }

    private (PipelineDeployment Deployment, string Repository)? MatchDeployment(RuleContext context, EnvironmentDeclaration env, DeployerDeclaration deployer, DateTimeOffset time, PipelineSubject? subject)
    {
        if (!_deploymentsByEnv.TryGetValue(env.Name, out var list))
        {
            return null;
        }

        var window = TimeSpan.FromMinutes(context.Baseline.Thresholds.DeployMatchWindowMinutes);
        return list
            .Where(x => deployer.Pipelines.Count == 0 || deployer.Pipelines.Any(p => p.IsProject(x.Deployment.Provider, x.Repository)))
            .Where(x => subject is null || subject.Made(x.Deployment))
            .Where(x => x.Deployment.LatestState != "failure" && x.Deployment.LatestState != "error")
            .Where(x => time >= x.Deployment.CreatedAt - window && time <= x.Deployment.CompletedAt + window)
            .OrderBy(x => (x.Deployment.CreatedAt - time).Duration())
            .Cast<(PipelineDeployment, string)?>()
            .FirstOrDefault();
    }

    /// <summary>Which deployment and run explain the change, and who approved it (an unapproved one is DS-DEP-002's finding).</summary>
    private static string Justification(RuleContext context, PipelineDeployment d, string repository)
    {
        var text = $"{repository} deployment {d.Id}";
        if (d.RunId is not { } run)
        {
            return text;
        }

        var approvers = context.Inventory.Project(d.Provider, repository) is { } repo && repo.Approvals.TryGetValue(run, out var list)
            ? list.Where(a => a.State == "approved" && a.Environments.Contains(d.Environment, StringComparer.OrdinalIgnoreCase)).Select(a => a.User).Distinct().ToList()
            : [];
        return approvers.Count > 0
            ? $"{text} (run {run}, approved by {string.Join(", ", approvers)})"
            : $"{text} (run {run}, no approval: see DS-DEP-002)";
    }

    public override void Merge(Rule other)
    {
        var theirs = (OutOfBandDeployCheck)other;
        _findings.Merge(theirs._findings);
        foreach (var (key, session) in theirs._sessions)
        {
            KeepSession(key, session);
        }

        _pending.AddRange(theirs._pending);
    }

    public override void WriteState(Engine.PartialStateWriter writer)
    {
        _findings.Write(writer);
        writer.WriteAll(_sessions, static (w, kv) =>
        {
            var (origin, order) = kv.Value;
            w.Write(kv.Key);
            w.Write(origin.Subject is not null);
            if (origin.Subject is { } s)
            {
                w.Write(s.Provider);
                w.Write(s.Project);
                w.Write(s.Environment);
                w.Write(s.Ref);
                w.Write(s.PullRequest);
                w.Write(s.Text);
            }

            w.Write(origin.WebIdentity);
            w.Write(origin.AssumedBy);
            w.Write(origin.Evidence);
            w.WriteOrder(order);
        });
        writer.WriteAll(_pending, static (w, e) => w.Write(e));
    }

    public override void ReadState(Engine.PartialStateReader reader)
    {
        _findings.Read(reader);
        foreach (var (key, session) in reader.ReadAll(static r => (r.ReadString(), ReadSession(r))))
        {
            _sessions[key] = session;
        }

        _pending.AddRange(reader.ReadAll(static r => r.ReadEvent()));
    }

    private static (SessionOrigin Origin, long Order) ReadSession(Engine.PartialStateReader r)
    {
        var subject = r.ReadBoolean()
            ? new PipelineSubject(r.ReadString(), r.ReadString(), r.ReadNullableString(), r.ReadNullableString(), r.ReadBoolean(), r.ReadString())
            : null;
        return (new SessionOrigin(subject, r.ReadNullableString(), r.ReadString(), r.ReadString()), r.ReadOrder());
    }

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        foreach (var e in _pending.OrderBy(p => p.ReadOrder))
        {
            Classify(e, context.EnvironmentOf(e)!, context);
        }

        _pending.Clear();
        return _findings.Build(Id, context.Title(Id));
    }
}
