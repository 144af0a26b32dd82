using System.Text;
using DriftSentinel.Core.Output;

namespace DriftSentinel.Core.History;

/// <summary>
/// What `verify --history` found: problems fail verification; <see cref="RunsChecked"/> counts runs whose manifest was
/// checked; <see cref="Manifests"/> are the kept manifests by run id (a report folder is matched against them).
/// </summary>
public sealed record HistoryVerification(IReadOnlyList<string> Problems, int RunsChecked, int Profiles, IReadOnlyDictionary<long, StoredManifest> Manifests)
{
    public bool Passed => Problems.Count == 0;
}

/// <summary>
/// Walks each profile's finished runs in order and checks the chain the history store keeps: every run has a manifest,
/// each manifest hashes to its recorded SHA-256, names its own run and the counts the run row holds, and names the run
/// before it as its previous — so a removed, re-ordered or edited run (or manifest) is reported.
/// </summary>
public static class HistoryChainVerifier
{
    public static HistoryVerification Verify(IHistoryStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var problems = new List<string>();
        var runs = store.ListRuns(int.MaxValue).Where(r => r.FinishedAt is not null).ToList();
        var runIds = runs.Select(r => r.Id).ToHashSet();
        var manifests = store.ListManifests().ToDictionary(m => m.RunId);
        foreach (var orphan in manifests.Values.Where(m => !runIds.Contains(m.RunId)))
        {
            problems.Add($"the manifest of run #{orphan.RunId} ({orphan.Profile}) is kept, but the run is not in the history: it was removed");
        }

        var checkedRuns = 0;
        var profiles = runs.GroupBy(r => r.Profile, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        foreach (var profile in profiles)
        {
            (long Id, ParsedManifest Manifest, string Sha)? before = null;
            foreach (var run in profile.OrderBy(r => r.Id))
            {
                var label = $"{profile.Key} run #{run.Id}";
                if (!manifests.TryGetValue(run.Id, out var stored))
                {
                    problems.Add($"{label} has no manifest (its reports were never written, or the manifest was removed)");
                    before = null;
                    continue;
                }

                checkedRuns++;
                var bytes = Encoding.UTF8.GetBytes(stored.Manifest);
                var sha = RunManifest.Sha256(bytes);
                if (sha != stored.Sha256)
                {
                    problems.Add($"{label}: its stored manifest was edited (SHA-256 {ManifestVerifier.Short(sha)}, recorded {ManifestVerifier.Short(stored.Sha256)})");
                }

                ParsedManifest manifest;
                try
                {
                    manifest = RunManifest.Parse(bytes, $"{label}'s manifest");
                }
                catch (InvalidDataException e)
                {
                    problems.Add(e.Message);
                    before = null;
                    continue;
                }

                if (manifest.RunId != run.Id || manifest.Profile != run.Profile)
                {
                    problems.Add($"{label} holds the manifest of {manifest.Profile ?? "(no profile)"} run #{manifest.RunId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}: runs were re-ordered or manifests swapped");
                }

                if (manifest.Recorded is { } recorded && recorded != (run.Findings, run.Active, run.Gaps))
                {
                    problems.Add($"{label}'s record was edited: it holds {run.Findings} finding(s), {run.Active} open, {run.Gaps} gap(s); its manifest says {recorded.Findings}, {recorded.Active}, {recorded.Gaps}");
                }

                if (before is { } prior)
                {
                    problems.AddRange(ManifestVerifier.Link(label, manifest, $"run #{prior.Id}", prior.Manifest, prior.Sha));
                }
                else if (manifest.Previous is { Run: { } named } && !runIds.Contains(named))
                {
                    problems.Add($"{label} follows run #{named}, which is not in the history: it was removed");
                }

                before = (run.Id, manifest, stored.Sha256);
            }
        }

        return new HistoryVerification(problems, checkedRuns, profiles.Count, manifests);
    }
}
