using System.Text;
using DriftSentinel.Core.Rules;

namespace DriftSentinel.Reporting;

/// <summary>
/// docs/rules.md, generated from the catalogue (rules/*.yaml and deploy-actions.yaml) so the page cannot drift from
/// the rules. Everything after <see cref="HandWrittenMarker"/> in the existing page is kept as written.
/// </summary>
public static class RuleCatalogueDocument
{
    public const string HandWrittenMarker = "<!-- Everything below is written by hand; everything above is generated from rules/ by `driftsentinel rules docs`. -->";

    public static string Render(RuleCatalogue catalogue, string? existingPage)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        var sb = new StringBuilder();
        sb.AppendLine("# Rule catalogue").AppendLine()
            .AppendLine("Each rule has an entry in `rules/<id>.yaml` (what it finds, why it matters, how to fix it, compliance references,")
            .AppendLine("parameters), one implementation in `src/DriftSentinel.Core/Rules/Checks/` and its examples in")
            .AppendLine("`rules/examples/<id>/`. Findings are computed relative to `--as-of`; each carries a stable fingerprint, the")
            .AppendLine("environment, account, principal, resource, first and last seen time and evidence references back to the source")
            .AppendLine("records. This page is generated from `rules/` (`driftsentinel rules docs --out docs/rules.md`); a test fails when it is stale.")
            .AppendLine()
            .AppendLine("| id | title | default severity | compliance |")
            .AppendLine("|---|---|---|---|");
        var rules = catalogue.Rules.Values.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        foreach (var r in rules)
        {
            sb.Append("| [").Append(r.Id).Append("](#").Append(r.Id.ToLowerInvariant()).Append(") | ").Append(r.Title).Append(" | ").Append(r.Severity).Append(" | ")
                .Append(string.Join(", ", r.Compliance)).AppendLine(" |");
        }

        foreach (var r in rules)
        {
            sb.AppendLine().Append("## ").AppendLine(r.Id).AppendLine()
                .Append("**").Append(r.Title).Append("** — default severity **").Append(r.Severity).Append("**, version ").Append(r.Version).AppendLine(".").AppendLine()
                .Append("**What it finds.** ").AppendLine(r.Description).AppendLine()
                .Append("**Why it matters.** ").AppendLine(r.Rationale).AppendLine()
                .Append("**Remediation.** ").AppendLine(r.Remediation).AppendLine()
                .Append("**Compliance.** ").AppendLine(string.Join(", ", r.Compliance));
            if (r.Parameters.Count > 0)
            {
                sb.AppendLine().AppendLine("| parameter | default | meaning |").AppendLine("|---|---|---|");
                foreach (var p in r.Parameters)
                {
                    sb.Append("| `").Append(p.Name).Append("` | ").Append(p.Default).Append(" | ").Append(p.Description).AppendLine(" |");
                }
            }
        }

        sb.AppendLine().AppendLine("## Compliance mapping").AppendLine()
            .AppendLine("The catalogue's references as data (`RuleCatalogue.Compliance`): each control and the rules that produce evidence for it.").AppendLine()
            .AppendLine("| framework | control | rules |").AppendLine("|---|---|---|");
        foreach (var (framework, controls) in catalogue.Compliance)
        {
            foreach (var (control, ids) in controls)
            {
                sb.Append("| ").Append(framework).Append(" | ").Append(control).Append(" | ").Append(string.Join(", ", ids)).AppendLine(" |");
            }
        }

        sb.AppendLine().AppendLine("## Deploy-class changes (DS-DEP-001)").AppendLine()
            .AppendLine("From `rules/deploy-actions.yaml`; edit that file to widen or narrow what counts as a deploy.").AppendLine()
            .AppendLine("| AWS event source | event names (prefix; Lambda's API version suffix is ignored) |").AppendLine("|---|---|");
        foreach (var (source, names) in catalogue.DeployActions.Aws)
        {
            sb.Append("| ").Append(source).Append(" | ").Append(string.Join(", ", names)).AppendLine(" |");
        }

        sb.AppendLine().Append("Azure operations: ").Append(string.Join(", ", catalogue.DeployActions.Azure.Select(a => $"`{a}`"))).AppendLine(".").AppendLine()
            .AppendLine(HandWrittenMarker);
        var markerAt = existingPage?.IndexOf(HandWrittenMarker, StringComparison.Ordinal) ?? -1;
        if (markerAt >= 0)
        {
            sb.Append(existingPage![(markerAt + HandWrittenMarker.Length)..].TrimStart('\r', '\n').Insert(0, Environment.NewLine));
        }

        return sb.ToString().ReplaceLineEndings("\n");
    }
}
