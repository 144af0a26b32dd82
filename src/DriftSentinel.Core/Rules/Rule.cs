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

    private readonly List<ProductionChange> _changes = [];
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

    public IReadOnlyList<ProductionChange> ProductionChanges => _changes;

    /// <summary>Every production change counted by classification, including those beyond <see cref="MaxProductionChangesKept"/>.</summary>
    public IReadOnlyDictionary<ChangeClassification, long> ProductionChangeCounts => _changeCounts;

    public void RecordProductionChange(ProductionChange change)
    {
        _changeCounts[change.Classification] = _changeCounts.GetValueOrDefault(change.Classification) + 1;

        // The first changes are kept in full for the report; after that only the counts grow.
        if (_changes.Count < MaxProductionChangesKept)
        {
            _changes.Add(change);
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
