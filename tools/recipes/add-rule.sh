#!/usr/bin/env bash
# Proves docs/architecture.md's "Adding a rule" recipe: in a scratch copy of this tree, adds one rule (DS-LOG-099,
# CloudTrail log file validation turned off) by the recipe alone, regenerates what the recipe regenerates, lists every
# file touched (written by hand vs generated), then builds and runs the rule, catalogue, docs and demo tests.
# Usage: tools/recipes/add-rule.sh SCRATCH_DIR   (exit 0 when the recipe holds)
set -euo pipefail
. "$(dirname "$0")/scratch.sh"
scratch_copy "${1:-}"

# 1. The rule's class, in src/DriftSentinel.Core/Rules/Checks/ (discovered by reflection; no registration).
cat > src/DriftSentinel.Core/Rules/Checks/LogFileValidationDisabledCheck.cs <<'CS'
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>DS-LOG-099: a trail created or updated with log file validation off, read from the request's parameters.</summary>
public sealed class LogFileValidationDisabledCheck : Rule
{
    private readonly EventFindingAccumulator _findings = new();

    public override string Id => "DS-LOG-099";

    public override void Observe(ActivityEvent e, RuleContext context)
    {
        if (e.Cloud != Cloud.Aws || e.Service != "cloudtrail.amazonaws.com" || e.Action is not ("CreateTrail" or "UpdateTrail") || !e.Succeeded
            || !e.Parameters.TryGetValue("enableLogFileValidation", out var validation) || validation != "false")
        {
            return;
        }

        var trail = e.Parameters.GetValueOrDefault("name") ?? e.Resource ?? "trail";
        _findings.Add(new(e.AccountId, trail), e, () => new FindingSeed
        {
            Identity = [e.AccountId, trail],
            Severity = context.Severity(Id),
            Cloud = e.Cloud,
            Environment = context.EnvironmentOf(e)?.Name,
            Account = e.AccountId,
            Principal = e.Actor.EffectiveId,
            Resource = trail,
            Message = $"{e.Actor.EffectiveId} {(e.Action == "CreateTrail" ? "created" : "updated")} trail {trail} with log file validation off",
        });
    }

    // The scan reads files on every core, one instance of the rule per thread: say how two instances' state merges.
    public override void Merge(Rule other) => _findings.Merge(((LogFileValidationDisabledCheck)other)._findings);

    public override IEnumerable<Finding> Complete(RuleContext context) => _findings.Build(Id, context.Title(Id));
}
CS

# 2. Its catalogue entry.
cat > rules/DS-LOG-099.yaml <<'YAML'
id: DS-LOG-099
title: "Log file validation disabled"
severity: high
version: 1
description: "CloudTrail CreateTrail or UpdateTrail with enableLogFileValidation false."
rationale: "Without digest files nobody can show that the delivered logs were not altered or deleted."
remediation: "Turn log file validation back on (aws cloudtrail update-trail --enable-log-file-validation) and find out who turned it off."
compliance:
  - "SOC 2 CC7.2"
  - "ISO 27001 A.8.15"
  - "PCI DSS 10.3.2"
parameters: []
YAML

# 3. Its examples, beside the others in the examples generator.
python3 - <<'PY'
p = "rules/examples/make_examples.py"
s = open(p).read()
block = '''

# DS-LOG-099 Log file validation disabled (added by tools/recipes/add-rule.sh).
@example("DS-LOG-099", "fires", expect=[("high", "open", "arn:aws:iam::111122223333:user/bob", "org-trail")])
def _():
    trail(PROD, "2026-11-19", [event(PROD, "2026-11-19T23:00:00Z", "cloudtrail.amazonaws.com", "UpdateTrail", bob, False,
                                     {"name": "org-trail", "enableLogFileValidation": False}, None)])


@example("DS-LOG-099", "quiet")
def _():
    trail(PROD, "2026-11-19", [event(PROD, "2026-11-19T23:00:00Z", "cloudtrail.amazonaws.com", "UpdateTrail", bob, False,
                                     {"name": "org-trail", "enableLogFileValidation": True}, None)])
'''
anchor = "\n\n# ---------- GitHub Actions"
s = s.replace(anchor, block + anchor, 1)
open(p, "w").write(s)
PY

# Generated: the examples, docs/rules.md and the sample reports (their run records list every rule's version).
python3 rules/examples/make_examples.py DS-LOG-099 >/dev/null
dotnet build src/DriftSentinel.Worker -v q -nologo >/dev/null
dotnet run --no-build --project src/DriftSentinel.Worker -- rules docs --rules rules --out docs/rules.md >/dev/null
dotnet run --no-build --project src/DriftSentinel.Worker -- scan --demo --out sample-reports >/dev/null || true

git add -A
hand=(src/DriftSentinel.Core/Rules/Checks/LogFileValidationDisabledCheck.cs rules/DS-LOG-099.yaml rules/examples/make_examples.py)
echo "files touched by hand: ${#hand[@]}"
printf '  %s\n' "${hand[@]}"
generated="$(git diff --cached --name-only | grep -v -x -F -f <(printf '%s\n' "${hand[@]}") || true)"
echo "files generated: $(printf '%s\n' "$generated" | grep -c . || true)"
printf '%s\n' "$generated" | sed 's/^/  /'

dotnet test tests/DriftSentinel.Tests -nologo -v q \
  --filter "FullyQualifiedName~RuleExampleTests|FullyQualifiedName~RuleCatalogueTests|FullyQualifiedName~DemoScanTests|FullyQualifiedName~DependencyDirection" 2>&1 | tail -n 3
