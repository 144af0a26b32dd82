using DriftSentinel.Core.Access;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules;

/// <summary>
/// A check. The engine streams every audit event through <see cref="Observe"/> once, then calls <see cref="Complete"/>.
/// Rules are discovered by reflection: a new check is one subclass, its rules/&lt;id&gt;.yaml entry and its tests.
/// </summary>
public abstract class Rule
{
    public abstract string Id { get; }

    /// <summary>Called once before the stream, with the inventory and baseline available.</summary>
    public virtual void Begin(RuleContext context)
    {
    }

    /// <summary>Called for each audit event. Keep only what a finding needs.</summary>
    public virtual void Observe(ActivityEvent e, RuleContext context)
    {
    }

    public abstract IEnumerable<Finding> Complete(RuleContext context);

    /// <summary>
    /// A fresh instance for another thread of the same scan; the engine calls <see cref="Begin"/> on it and later
    /// merges it into this one.
    /// </summary>
    public virtual Rule NewPartition() => (Rule)Activator.CreateInstance(GetType())!;

    /// <summary>
    /// Folds what another partition of the same scan observed (an instance from <see cref="NewPartition"/>) into this
    /// one. The result must not depend on which partition read which events, nor on the order of merges: counts add,
    /// first/last seen go by time, and anything kept "first" is kept by <see cref="ActivityEvent.ReadOrder"/>.
    /// </summary>
    public virtual void Merge(Rule other)
    {
    }

    /// <summary>
    /// Writes what <see cref="Observe"/> kept (not what <see cref="Begin"/> built from the inventory), so a partition
    /// evaluated in another process — a worker's scope job — can be read back with <see cref="ReadState"/> and merged.
    /// </summary>
    public virtual void WriteState(Engine.PartialStateWriter writer)
    {
    }

    /// <summary>Reads what <see cref="WriteState"/> wrote into a fresh instance from <see cref="NewPartition"/>.</summary>
    public virtual void ReadState(Engine.PartialStateReader reader)
    {
    }

    /// <summary>True when the rule keeps no state from events, or says how to write it for another process.</summary>
    internal bool CanPersist
    {
        get
        {
            var type = GetType();
            return type.GetMethod(nameof(Observe))!.DeclaringType == typeof(Rule)
                || (type.GetMethod(nameof(WriteState))!.DeclaringType != typeof(Rule) && type.GetMethod(nameof(ReadState))!.DeclaringType != typeof(Rule) && CanMerge);
        }
    }

    /// <summary>True when the rule keeps no state from events, or says how to merge it.</summary>
    internal bool CanMerge
    {
        get
        {
            var type = GetType();
            return type.GetMethod(nameof(Observe))!.DeclaringType == typeof(Rule) || type.GetMethod(nameof(Merge))!.DeclaringType != typeof(Rule);
        }
    }

    /// <summary>Every concrete rule in the core assembly, one new instance each.</summary>
    public static IReadOnlyList<Rule> All() =>
        typeof(Rule).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Rule)) && !t.IsAbstract)
            .Select(t => (Rule)Activator.CreateInstance(t)!)
            .OrderBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
}

/// <summary>What a rule sees: baseline, inventory, as-of time, its catalogue entry, and shared identity helpers.</summary>
public sealed class RuleContext(OrganizationBaseline baseline, ScanInventory inventory, RuleCatalogue catalogue, DateTimeOffset asOf)
{
    /// <summary>Production changes kept in full for the report; beyond this only counts grow, so memory stays bounded.</summary>
    public const int MaxProductionChangesKept = 10_000;

    // The kept changes are those first in read order (a max-heap on it), so which are kept does not depend on threads.
    private readonly PriorityQueue<ProductionChange, long> _changes = new(Comparer<long>.Create((a, b) => b.CompareTo(a)));
    private readonly Dictionary<ChangeClassification, long> _changeCounts = [];

    public OrganizationBaseline Baseline { get; } = baseline;
    public ScanInventory Inventory { get; } = inventory;
    public RuleCatalogue Catalogue { get; } = catalogue;
    public DateTimeOffset AsOf { get; } = asOf;
    public IdentityClassifier Identities { get; } = new(baseline, inventory);

    /// <summary>
    /// The scan's coverage: a rule that cannot judge part of what it read (sign-ins that do not say whether MFA was
    /// used) says so here, so the report shows the hole instead of a quiet "no finding".
    /// </summary>
    public CoverageLog Coverage { get; init; } = new();

    /// <summary>Last activity per identity, complete once the stream has been read (use it in Complete).</summary>
    public ActivityIndex Activity { get; } = new();

    private EntitlementBuilder? _privilege;
    private IReadOnlyList<Entitlement>? _entitlements;

    /// <summary>What counts as privileged, and the entitlements; shares this scan's classifier and activity index.</summary>
    public EntitlementBuilder Privilege => _privilege ??= new EntitlementBuilder(Baseline, Inventory, Activity, Identities, Coverage, AsOf);

    /// <summary>All entitlements with last use; built on first use after the stream.</summary>
    public IReadOnlyList<Entitlement> Entitlements => _entitlements ??= Privilege.Build();

    /// <summary>Access review decisions to revoke or modify not yet carried out (from the history store; empty without one).</summary>
    public IReadOnlyList<ReviewItem> ReviewRemediations { get; init; } = [];

    /// <summary>The kept production changes (the first <see cref="MaxProductionChangesKept"/> in read order), unordered.</summary>
    public IReadOnlyList<ProductionChange> ProductionChanges => [.. _changes.UnorderedItems.Select(x => x.Element)];

    /// <summary>Every production change counted by classification, including those beyond <see cref="MaxProductionChangesKept"/>.</summary>
    public IReadOnlyDictionary<ChangeClassification, long> ProductionChangeCounts => _changeCounts;

    /// <summary>Counts a production change and keeps it if it is among the first <see cref="MaxProductionChangesKept"/> in read order.</summary>
    public void RecordProductionChange(long readOrder, ProductionChange change)
    {
        _changeCounts[change.Classification] = _changeCounts.GetValueOrDefault(change.Classification) + 1;
        Keep(readOrder, change);
    }

    // The first changes are kept in full for the report; after that only the counts grow.
    private void Keep(long readOrder, ProductionChange change)
    {
        if (_changes.Count < MaxProductionChangesKept)
        {
            _changes.Enqueue(change, readOrder);
        }
        else if (_changes.TryPeek(out _, out var latest) && readOrder < latest)
        {
            _changes.DequeueEnqueue(change, readOrder);
        }
    }

    /// <summary>Folds another partition's activity index and production changes into this context.</summary>
    internal void Merge(RuleContext other)
    {
        Activity.Merge(other.Activity);
        foreach (var (classification, count) in other._changeCounts)
        {
            _changeCounts[classification] = _changeCounts.GetValueOrDefault(classification) + count;
        }

        foreach (var (change, order) in other._changes.UnorderedItems)
        {
            Keep(order, change);
        }
    }

    /// <summary>Writes the activity index and the production changes for another process to merge.</summary>
    internal void WriteState(Engine.PartialStateWriter writer)
    {
        Activity.Write(writer);
        writer.WriteAll(_changeCounts, static (w, kv) =>
        {
            w.Write((int)kv.Key);
            w.Write(kv.Value);
        });
        writer.WriteAll(_changes.UnorderedItems, static (w, x) =>
        {
            var c = x.Element;
            w.WriteOrder(x.Priority);
            w.Write(c.Time);
            w.Write((int)c.Cloud);
            w.Write(c.Environment);
            w.Write(c.Account);
            w.Write(c.Action);
            w.Write(c.Principal);
            w.Write(c.Resource);
            w.Write((int)c.Classification);
            w.Write(c.Justification);
            w.Write(c.EventReference);
            w.Write(c.Link);
        });
    }

    /// <summary>Folds what <see cref="WriteState"/> wrote into this context.</summary>
    internal void ReadState(Engine.PartialStateReader reader)
    {
        Activity.Read(reader);
        foreach (var (classification, count) in reader.ReadAll(static r => ((ChangeClassification)r.ReadInt32(), r.ReadInt64())))
        {
            _changeCounts[classification] = _changeCounts.GetValueOrDefault(classification) + count;
        }

        foreach (var (order, change) in reader.ReadAll(static r => (r.ReadOrder(), new ProductionChange(
            r.ReadTime(), (Cloud)r.ReadInt32(), r.ReadString(), r.ReadString(), r.ReadString(), r.ReadString(), r.ReadNullableString(),
            (ChangeClassification)r.ReadInt32(), r.ReadNullableString(), r.ReadString(), r.ReadNullableString()))))
        {
            Keep(order, change);
        }
    }

    public string Title(string ruleId) => Catalogue[ruleId].Title;

    public Severity Severity(string ruleId) => Catalogue[ruleId].DefaultSeverity;

    public EnvironmentDeclaration? EnvironmentOf(ActivityEvent e) => Baseline.EnvironmentOf(e.Cloud, e.AccountId);
}

/// <summary>How a production change was justified, for DS-DEP-001 and the report.</summary>
public enum ChangeClassification
{
    ApprovedPipelineRun,
    PipelineIdentityOutsideRun,
    OutOfBand,
    BreakGlass,
}

/// <summary>A deploy-class change in production and what justified it (or that nothing did).</summary>
public sealed record ProductionChange(
    DateTimeOffset Time,
    Cloud Cloud,
    string Environment,
    string Account,
    string Action,
    string Principal,
    string? Resource,
    ChangeClassification Classification,
    string? Justification,
    string EventReference,
    string? Link = null);
