using System.Text.Json;
using System.Text.Json.Serialization;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.History;

namespace DriftSentinel.Core.Output;

/// <summary>
/// Delivers recorded runs' lifecycle notices to every registered sink from the history store's outbox. Each sink is
/// isolated: its failure is caught, recorded with a backoff on its own row, and returned as an outcome; the other sinks,
/// the run and the reports are untouched. Notices not yet delivered (a sink that failed, a worker that died
/// mid-delivery) are delivered by the next dispatch, oldest run first.
/// </summary>
public sealed class LifecycleDispatcher(IReadOnlyList<IFindingLifecycleSink> sinks, TimeProvider clock, TimeSpan? claimLease = null)
{
    /// <summary>How long a claimed delivery is reserved for its claimant (by default) before another worker may take it.</summary>
    public static readonly TimeSpan DefaultClaimLease = TimeSpan.FromMinutes(10);

    private readonly TimeSpan _claimLease = claimLease ?? DefaultClaimLease;

    /// <summary>The longest wait between attempts.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(6);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public IReadOnlyList<IFindingLifecycleSink> Sinks => sinks;

    /// <summary>The outbox rows for a run being recorded: one per sink, all carrying the same notice.</summary>
    public Func<LifecycleUpdate, IReadOnlyList<PendingDelivery>>? Deliveries(ScanResult result, string profile, Func<long> runId)
    {
        if (sinks.Count == 0)
        {
            return null;
        }

        return update =>
        {
            var payload = JsonSerializer.Serialize(Notice(update, result, profile, runId()), Json);
            return [.. sinks.Select(s => new PendingDelivery(s.Name, 0, payload))];
        };
    }

    /// <summary>Delivers every due notice of every sink; never throws for a sink's failure.</summary>
    public IReadOnlyList<DeliveryOutcome> DeliverPending(IHistoryStore store, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        var outcomes = new List<DeliveryOutcome>();
        foreach (var sink in sinks)
        {
            foreach (var pending in store.ClaimDeliveries(sink.Name, clock.GetUtcNow(), _claimLease, limit: 50))
            {
                cancellation.ThrowIfCancellationRequested();
                try
                {
                    sink.Deliver(Read(pending.Payload), store, cancellation);
                    store.FinishDelivery(sink.Name, pending.RunId, clock.GetUtcNow(), null, null);
                    outcomes.Add(new DeliveryOutcome(sink.Name, pending.RunId, true, pending.Attempts + 1, null, null));
                }
#pragma warning disable CA1031 // a sink's failure of any kind is recorded and retried; it must not reach the run
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    var attempts = pending.Attempts + 1;
                    var retryAt = clock.GetUtcNow() + Backoff(attempts);
                    var error = $"{e.GetType().Name}: {e.Message}";
                    store.FinishDelivery(sink.Name, pending.RunId, clock.GetUtcNow(), error, retryAt);
                    outcomes.Add(new DeliveryOutcome(sink.Name, pending.RunId, false, attempts, error, retryAt));

                    // Later notices of this sink wait: they describe later runs, and a tracker must see runs in order.
                    break;
                }
            }
        }

        return outcomes;
    }

    /// <summary>A queued notice as the sink receives it.</summary>
    public static LifecycleNotice Read(string payload) => JsonSerializer.Deserialize<LifecycleNotice>(payload, Json)!;

    /// <summary>1, 2, 4… minutes after each failed attempt, at most <see cref="MaxBackoff"/>.</summary>
    public static TimeSpan Backoff(int attempts) =>
        TimeSpan.FromMinutes(Math.Min(Math.Pow(2, Math.Max(0, attempts - 1)), MaxBackoff.TotalMinutes));

    /// <summary>The notice of one recorded run: every finding's transition, with what the run saw of it.</summary>
    public static LifecycleNotice Notice(LifecycleUpdate update, ScanResult result, string profile, long runId)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(result);
        var findings = result.Findings.GroupBy(f => f.Fingerprint, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var changes = new Dictionary<string, LifecycleChange>(StringComparer.Ordinal);
        foreach (var s in update.States)
        {
            changes[s.Fingerprint] = s.Status switch
            {
                FindingStatus.Resolved => LifecycleChange.Resolved,
                FindingStatus.Accepted => LifecycleChange.Accepted,
                _ => LifecycleChange.StillOpen,
            };
        }

        foreach (var s in update.Appeared)
        {
            changes[s.Fingerprint] = LifecycleChange.New;
        }

        foreach (var s in update.Reopened)
        {
            changes[s.Fingerprint] = LifecycleChange.Reopened;
        }

        foreach (var s in update.BackFromAcceptance)
        {
            changes[s.Fingerprint] = LifecycleChange.ExceptionExpired;
        }

        var resolvedNow = update.Resolved.Select(r => r.Fingerprint).ToHashSet(StringComparer.Ordinal);
        var transitions = update.States
            .Where(s => s.Status != FindingStatus.Resolved || resolvedNow.Contains(s.Fingerprint))
            .OrderByDescending(s => s.Severity).ThenBy(s => s.RuleId, StringComparer.Ordinal).ThenBy(s => s.Fingerprint, StringComparer.Ordinal)
            .Select(s => new NoticeTransition(changes[s.Fingerprint], Describe(s, findings.GetValueOrDefault(s.Fingerprint)) with
            {
                Owners = result.Baseline.OwnersOf(s.Environment, findings.GetValueOrDefault(s.Fingerprint)?.Account ?? s.PrimaryScope),
            }))

            // Carried over because their scope was not read: a sink must not take their absence for a fix.
            .Concat(update.NotVerified.Select(s => new NoticeTransition(LifecycleChange.NotVerified, Describe(s, null) with { Owners = result.Baseline.OwnersOf(s.Environment, s.PrimaryScope) })))
            .ToList();
        return new LifecycleNotice(profile, runId, result.Run.AsOf, result.Gaps.Count(), transitions)
        {
            GapList = [.. result.Gaps.Select(g => new NoticeGap(g.Source, g.Scope, Model.EnumText.ToText(g.Status), g.Detail))],
        };
    }

    private static NoticeFinding Describe(FindingState s, Finding? f) => new(
        s.Fingerprint, s.RuleId, s.Title, s.Severity, s.Environment, f?.Cloud.ToString().ToLowerInvariant(), f?.Account, f?.Principal, f?.Resource, f?.Message,
        s.FirstSeen, s.LastSeen, s.TimesSeen, f?.Suppression?.AcceptedBy ?? f?.Suppression?.Owner, f?.Suppression?.Reason, f?.Suppression?.Expires);
}
