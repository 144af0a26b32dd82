#!/usr/bin/env bash
# Proves docs/architecture.md's "A snapshot-only source" recipe: in a scratch copy of this tree, adds a GitLab source
# (gitlab/<group>/<project>/deployments.json, the GET /projects/:id/deployments response) as one project and one
# registration line, lists every file touched, builds, and scans a GitLab snapshot against a baseline that declares the
# project with deploy_targets: the deploy rules judge it (an unapproved production deployment is DS-DEP-002).
# Usage: tools/recipes/add-source.sh SCRATCH_DIR   (exit 0 when the recipe holds)
set -euo pipefail
. "$(dirname "$0")/scratch.sh"
scratch_copy "${1:-}"

# 1. The project: its reader and its module (with the Add extension).
mkdir -p src/DriftSentinel.GitLab
cat > src/DriftSentinel.GitLab/DriftSentinel.GitLab.csproj <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <ItemGroup>
    <ProjectReference Include="..\DriftSentinel.Core\DriftSentinel.Core.csproj" />
  </ItemGroup>
</Project>
XML
cat > src/DriftSentinel.GitLab/GitLabSource.cs <<'CS'
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.GitLab;

/// <summary>GitLab: gitlab/GROUP/PROJECT/deployments.json (GET /projects/:id/deployments) as pipeline deployments.</summary>
internal sealed class GitLabSourceModule : ISourceModule, ISnapshotReader
{
    public string Name => "gitlab";

    public IReadOnlyList<string> SnapshotFolders { get; } = ["gitlab"];

    public ISnapshotReader Reader => this;

    public ILiveCollector? Collector => null;

    public void Read(string snapshotRoot, ScanInput input)
    {
        var root = Path.Combine(snapshotRoot, "gitlab");
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(root, "deployments.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var project = Path.GetRelativePath(root, Path.GetDirectoryName(file)!).Replace('\\', '/');
            var inv = input.Inventory.Repository(PipelineProviders.GitLab, project);
            SnapshotFiles.Read(snapshotRoot, file, "gitlab.deployments", $"gitlab:{project}", input, (path, display) =>
            {
                using var doc = Json.ParseFile(path, display);
                var n = 0L;
                foreach (var (d, i) in Json.Objects(doc.RootElement.EnumerateArray(), display, "deployments").Select((x, i) => (x, i)))
                {
                    var created = d.Time("created_at") ?? throw new InputFormatException(display, $"[{i}]", "required field 'created_at' is missing or not a time");
                    var finished = d.Time("finished_at", "updated_at") ?? created;
                    var state = d.Str("status") ?? "unknown";
                    inv.Deployments.Add(new PipelineDeployment
                    {
                        Id = d.Long("id") ?? throw new InputFormatException(display, $"[{i}]", "required field 'id' is missing"),
                        Provider = PipelineProviders.GitLab,
                        Repository = project,
                        Environment = d.PathStr("environment", "name") ?? "",
                        Sha = d.Str("sha") ?? throw new InputFormatException(display, $"[{i}]", "required field 'sha' is missing"),
                        Ref = d.Str("ref"),
                        Creator = d.PathStr("user", "username"),
                        TriggeredBy = d.PathStr("user", "username"),
                        CreatedAt = created,
                        Statuses = [new PipelineDeploymentStatus(0, state, d.PathStr("user", "username"), finished, null, null)],
                        RunId = d.Path("deployable", "pipeline")?.Long("id"),
                        Source = new SourceLocation(display, $"[{i}] id {d.Long("id")}"),
                    });
                    n++;
                }

                return n;
            });
        }
    }

    public void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input)
    {
        foreach (var env in baseline.Environments)
        {
            foreach (var target in env.DeployTargets.Where(t => t.Provider == PipelineProviders.GitLab))
            {
                if (input.Inventory.Project(target.Provider, target.Project) is null && !DeclaredScopes.Mentioned(input, $"gitlab:{target.Project}", StringComparison.OrdinalIgnoreCase))
                {
                    input.Coverage.Missing("gitlab", $"gitlab:{target.Project}", $"GitLab project {target.Project} is {DeclaredScopes.Describe(env)} but gitlab/{target.Project}/ is not in the snapshot");
                }
            }
        }
    }
}

/// <summary>Registration of the GitLab source.</summary>
public static class GitLabSourceRegistration
{
    public static SourceRegistry AddGitLab(this SourceRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Add(new GitLabSourceModule());
    }
}
CS

# 2. The registration line, and the project reference the composition root needs.
sed -i 's/        \.AddGitHub();/        .AddGitHub()\n        .AddGitLab();/' src/DriftSentinel.Worker/SourceModules.cs
sed -i 's/^using DriftSentinel.GitHub;/using DriftSentinel.GitHub;\nusing DriftSentinel.GitLab;/' src/DriftSentinel.Worker/SourceModules.cs
sed -i 's#    <ProjectReference Include="..\\DriftSentinel.GitHub\\DriftSentinel.GitHub.csproj" />#&\n    <ProjectReference Include="..\\DriftSentinel.GitLab\\DriftSentinel.GitLab.csproj" />#' src/DriftSentinel.Worker/DriftSentinel.Worker.csproj

git add -A
echo "files touched: $(git diff --cached --name-only | wc -l)"
git diff --cached --stat | sed 's/^/  /'

# Build, then scan a GitLab snapshot (the API's response shape) declared as production.
dotnet build src/DriftSentinel.Worker -v q -nologo >/dev/null
scratch="$(mktemp -d)"
mkdir -p "$scratch/snap/gitlab/platform/payments"
cat > "$scratch/snap/gitlab/platform/payments/deployments.json" <<'JSON'
[{"id": 42, "iid": 2, "ref": "main", "sha": "a91957a858320c0e17f3a0eca7cfacbff50ea29a", "created_at": "2026-11-18T10:00:00.000Z",
  "updated_at": "2026-11-18T10:06:00.000Z", "finished_at": "2026-11-18T10:06:00.000Z", "status": "success",
  "user": {"id": 1, "name": "Alice", "username": "alice", "state": "active"},
  "environment": {"id": 9, "name": "production", "external_url": "https://payments.example.com"},
  "deployable": {"id": 1279, "status": "success", "stage": "deploy", "name": "deploy", "ref": "main", "pipeline": {"id": 611, "sha": "a91957a858320c0e17f3a0eca7cfacbff50ea29a", "status": "success"}}}]
JSON
cat > "$scratch/baseline.yaml" <<'YAML'
version: 1
organization: Recipe
environments:
  - name: prod
    tier: production
    deploy_targets: ["gitlab:platform/payments:production"]
YAML
dotnet run --no-build --project src/DriftSentinel.Worker -- scan --snapshot "$scratch/snap" --baseline "$scratch/baseline.yaml" \
  --as-of 2026-11-20T00:00:00Z --out "$scratch/out" --allow-gaps >/dev/null || true
python3 - "$scratch/out/findings.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
hits = [f for f in doc["findings"] if f["rule_id"] == "DS-DEP-002" and f["cloud"] == "gitlab"]
read = [c for c in doc["coverage"] if c["source"] == "gitlab.deployments" and c["status"] == "read"]
print(f"gitlab coverage read: {len(read)}; DS-DEP-002 on gitlab: {len(hits)}" + (f" ({hits[0]['resource']})" if hits else ""))
sys.exit(0 if hits and read else 1)
PY
