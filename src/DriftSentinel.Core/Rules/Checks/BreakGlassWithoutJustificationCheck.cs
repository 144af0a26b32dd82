using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>DS-ACC-002: break-glass sessions without a ticket or longer than allowed; justified uses are kept as info-level evidence.</summary>
internal sealed class BreakGlassWithoutJustificationCheck : Rule
{
    public override string Id => "DS-ACC-002";

    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public override void Observe(ActivityEvent e, RuleContext context)
    {
        if (e.Cloud != Cloud.Aws || !e.Succeeded)
        {
            return;
        }

        string role;
        string? sessionName;
        if (context.Identities.AssumesBreakGlass(e))
        {
            role = e.TargetRoleArn!;
            sessionName = e.TargetSessionName;
        }
        else if (context.Identities.IsBreakGlass(Cloud.Aws, e.Actor.IssuerArn))
        {
            role = e.Actor.IssuerArn!;
            sessionName = e.Actor.SessionName;
        }
        else
        {
            return;
        }

        var key = $"{role}|{sessionName}";
        if (!_sessions.TryGetValue(key, out var s))
        {
            s = new Session(role, sessionName ?? "", e.AccountId, e.ReadOrder);
            _sessions[key] = s;
        }
        else if (e.ReadOrder < s.FirstOrder)
        {
            s.Account = e.AccountId;
            s.FirstOrder = e.ReadOrder;
        }

        s.See(e.Time);
        if (e.RequestedDurationSeconds is { } d)
        {
            s.RequestedSeconds = Math.Max(s.RequestedSeconds ?? 0, d);
        }

        if (s.Evidence.Wants(e.ReadOrder))
        {
            s.Evidence.Add(e.ReadOrder, EventEvidence.Of(e));
        }
    }

    public override void Merge(Rule other)
    {
        _sessions.MergeWith(((BreakGlassWithoutJustificationCheck)other)._sessions, static (s, theirs) =>
        {
            if (theirs.FirstOrder < s.FirstOrder)
            {
                s.Account = theirs.Account;
                s.FirstOrder = theirs.FirstOrder;
            }

            s.Absorb(theirs);
            s.RequestedSeconds = theirs.RequestedSeconds is { } d ? Math.Max(s.RequestedSeconds ?? 0, d) : s.RequestedSeconds;
            s.Evidence.Merge(theirs.Evidence);
        });
    }

    public override void WriteState(Engine.PartialStateWriter writer) => writer.WriteAll(_sessions, static (w, kv) =>
    {
        var s = kv.Value;
        w.Write(kv.Key);
        w.Write(s.Role);
        w.Write(s.SessionName);
        w.Write(s.Account);
        w.WriteOrder(s.FirstOrder);
        w.Write(s.RequestedSeconds);
        s.WriteSightings(w);
        s.Evidence.Write(w);
    });

    public override void ReadState(Engine.PartialStateReader reader)
    {
        foreach (var (key, session) in reader.ReadAll(static r => (r.ReadString(), ReadSession(r))))
        {
            _sessions[key] = session;
        }
    }

    private static Session ReadSession(Engine.PartialStateReader r)
    {
        var s = new Session(r.ReadString(), r.ReadString(), r.ReadString(), r.ReadOrder()) { RequestedSeconds = r.ReadNullableInt32() };
        s.ReadSightings(r);
        s.Evidence.Read(r);
        return s;
    }

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var bg = context.Baseline.BreakGlass;
        var title = context.Title(Id);
        foreach (var s in _sessions.Values.OrderBy(s => s.First).ThenBy(s => s.FirstOrder))
        {
            var observedHours = ((s.Last - s.First) ?? TimeSpan.Zero).TotalHours;
            var requestedHours = (s.RequestedSeconds ?? 0) / 3600.0;
            var env = context.Baseline.EnvironmentOfAwsAccount(s.Account);
            yield return Judge(context, title, Cloud.Aws, env?.Name, s.Account, s.Role, $"session {s.SessionName}", s.SessionName,
                Math.Max(observedHours, requestedHours), open: false, s.First, s.Last, s.Evidence.Items, s.Count, bg.TicketPattern);
        }

        foreach (var sub in context.Inventory.AzureSubscriptions.Values)
        {
            var env = context.Baseline.EnvironmentOfSubscription(sub.SubscriptionId);
            foreach (var p in sub.PimInstances.Where(p => context.Identities.IsBreakGlass(Cloud.Azure, p.PrincipalId, p.PrincipalName)))
            {
                var text = string.Join(" ", new[] { p.Justification, p.TicketNumber }.Where(x => x is not null));
                var hours = p.Start is null ? 0 : ((p.End ?? context.AsOf) - p.Start.Value).TotalHours;
                var role = sub.ResolveRoleName(p.RoleDefinitionId, p.RoleName);
                yield return Judge(context, title, Cloud.Azure, env?.Name, sub.SubscriptionId, p.PrincipalName ?? p.PrincipalId, $"{role} on {p.Scope}", text,
                    hours, open: p.End is null, p.Start, p.End ?? p.Start, [new EvidenceRef("pim-instance", p.Source.ToString(), $"{p.AssignmentType} {role}, justification: {(string.IsNullOrEmpty(text) ? "none" : text)}")], 1, bg.TicketPattern);
            }
        }
    }

    private Finding Judge(RuleContext context, string title, Cloud cloud, string? env, string account, string principal, string resource, string ticketText,
        double hours, bool open, DateTimeOffset? first, DateTimeOffset? last, IReadOnlyList<EvidenceRef> evidence, long count, System.Text.RegularExpressions.Regex? pattern)
    {
        var max = context.Baseline.BreakGlass.MaxSessionHours;
        var ticket = pattern?.Match(ticketText ?? "") is { Success: true } m ? m.Value : null;
        var problems = new List<string>();
        if (ticket is null)
        {
            problems.Add(pattern is null ? "no ticket_pattern is declared, so no use can be justified" : $"no ticket matching {pattern} in '{ticketText}'");
        }

        if (open)
        {
            problems.Add("the elevation has no end time");
        }
        else if (hours > max)
        {
            problems.Add($"lasted {hours:0.#} h, longer than the {max:0.#} h allowed");
        }

        var justified = problems.Count == 0;
        return new Finding
        {
            Fingerprint = Finding.MakeFingerprint(Id, account, principal, resource, first?.ToString("O")),
            RuleId = Id,
            Title = title,
            Severity = justified ? Severity.Info : context.Severity(Id),
            Cloud = cloud,
            Environment = env,
            Account = account,
            Principal = principal,
            Resource = resource,
            FirstSeen = first,
            LastSeen = last,
            Message = justified
                ? $"Justified break-glass use of {principal} ({resource}) under {ticket}, {hours:0.#} h"
                : $"Break-glass use of {principal} ({resource}): {string.Join("; ", problems)}",
            Evidence = evidence,
            Occurrences = count,
            Details = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["ticket"] = ticket ?? "none",
                ["duration_hours"] = hours.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture),
                ["justified"] = justified ? "yes" : "no",
            },
        };
    }

    private sealed class Session(string role, string sessionName, string account, long firstOrder) : Sightings
    {
        public string Role { get; } = role;
        public string SessionName { get; } = sessionName;

        /// <summary>The account of the session's first event in read order.</summary>
        public string Account { get; set; } = account;
        public long FirstOrder { get; set; } = firstOrder;
        public int? RequestedSeconds { get; set; }
        public EvidenceSample Evidence { get; } = new(5);
    }
}
