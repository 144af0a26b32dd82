#!/usr/bin/env bash
# Proves docs/architecture.md's "A snapshot-only source" recipe: in a scratch copy of this tree, adds a source for
# Azure activity exported from a Log Analytics workspace (log-analytics/<workspace>/azure-activity.json, what
# `az monitor log-analytics query -w WS --analytics-query "AzureActivity | where TimeGenerated > ago(7d)"` prints) as
# one project and one registration line, lists every file touched, builds, and scans such an export against a baseline
# that declares the subscription production: the rules judge it (a deleted diagnostic setting is DS-LOG-001).
# Usage: tools/recipes/add-source.sh SCRATCH_DIR   (exit 0 when the recipe holds)
set -euo pipefail
. "$(dirname "$0")/scratch.sh"
scratch_copy "${1:-}"

# 1. The project: its reader and its module (with the Add extension).
mkdir -p src/DriftSentinel.LogAnalytics
cat > src/DriftSentinel.LogAnalytics/DriftSentinel.LogAnalytics.csproj <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <ItemGroup>
    <ProjectReference Include="..\DriftSentinel.Core\DriftSentinel.Core.csproj" />
  </ItemGroup>
</Project>
XML
cat > src/DriftSentinel.LogAnalytics/LogAnalyticsSource.cs <<'CS'
using System.Text.Json;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.LogAnalytics;

/// <summary>Azure activity from a Log Analytics workspace: log-analytics/WORKSPACE/azure-activity.json (AzureActivity rows).</summary>
internal sealed class LogAnalyticsSourceModule : ISourceModule, ISnapshotReader
{
    public string Name => "log-analytics";

    public IReadOnlyList<string> SnapshotFolders { get; } = ["log-analytics"];

    public ISnapshotReader Reader => this;

    public ILiveCollector? Collector => null;

    public void Read(string snapshotRoot, ScanInput input)
    {
        var root = Path.Combine(snapshotRoot, "log-analytics");
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var workspace in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var file = Path.Combine(workspace, "azure-activity.json");
            if (SnapshotFiles.Present(file))
            {
                input.InputsRead.Add(SnapshotFiles.Relative(snapshotRoot, file));
                input.Streams.Add(new JsonFileActivityStream(snapshotRoot, file, "log-analytics.azure-activity", Path.GetFileName(workspace), Map, "tables"));
            }
        }
    }

    /// <summary>One AzureActivity row: TimeGenerated, OperationNameValue, Caller, ActivityStatusValue, SubscriptionId, _ResourceId.</summary>
    private static ActivityEvent? Map(JsonElement row, SourceLocation source, RecordSkips skips)
    {
        var time = row.Time("TimeGenerated");
        var operation = row.Str("OperationNameValue");
        var subscription = row.Str("SubscriptionId");
        if (time is null || operation is null || subscription is null)
        {
            skips.Add(source.Position, "no TimeGenerated, OperationNameValue or SubscriptionId");
            return null;
        }

        var caller = row.Str("Caller") ?? "unknown";
        var human = caller.Contains('@', StringComparison.Ordinal);
        return new ActivityEvent
        {
            Cloud = Cloud.Azure,
            EventId = row.Str("CorrelationId") ?? source.ToString(),
            Time = time.Value,
            AccountId = subscription.ToLowerInvariant(),
            Service = operation.Split('/')[0],
            Action = operation,
            Actor = new Actor { Type = human ? "User" : "ServicePrincipal", Id = caller, Kind = human ? PrincipalKind.Human : PrincipalKind.Workload },
            ReadOnly = operation.EndsWith("/read", StringComparison.OrdinalIgnoreCase),
            Succeeded = string.Equals(row.Str("ActivityStatusValue"), "Success", StringComparison.OrdinalIgnoreCase)
                || string.Equals(row.Str("ActivityStatusValue"), "Succeeded", StringComparison.OrdinalIgnoreCase),
            Resource = row.Str("_ResourceId", "ResourceId"),
            SourceIp = row.Str("CallerIpAddress"),
            Source = source,
        };
    }

    public void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input)
    {
        // The workspace is an additional view of subscriptions the Azure source already accounts for.
    }
}

/// <summary>Registration of the Log Analytics source.</summary>
public static class LogAnalyticsSourceRegistration
{
    public static SourceRegistry AddLogAnalytics(this SourceRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Add(new LogAnalyticsSourceModule());
    }
}
CS

# 2. The registration line, and the project reference the composition root needs.
sed -i 's/        \.AddAzureDevOps();/        .AddAzureDevOps()\n        .AddLogAnalytics();/' src/DriftSentinel.Worker/SourceModules.cs
sed -i 's/^using DriftSentinel.GitLab;/using DriftSentinel.GitLab;\nusing DriftSentinel.LogAnalytics;/' src/DriftSentinel.Worker/SourceModules.cs
sed -i 's#    <ProjectReference Include="..\\DriftSentinel.AzureDevOps\\DriftSentinel.AzureDevOps.csproj" />#&\n    <ProjectReference Include="..\\DriftSentinel.LogAnalytics\\DriftSentinel.LogAnalytics.csproj" />#' src/DriftSentinel.Worker/DriftSentinel.Worker.csproj

git add -A
echo "files touched: $(git diff --cached --name-only | wc -l)"
git diff --cached --stat | sed 's/^/  /'

# Build, then scan a workspace export (the query's rows) of a subscription declared production.
dotnet build src/DriftSentinel.Worker -v q -nologo >/dev/null
scratch="$(mktemp -d)"
mkdir -p "$scratch/snap/log-analytics/prod-workspace"
cat > "$scratch/snap/log-analytics/prod-workspace/azure-activity.json" <<'JSON'
[{"TimeGenerated": "2026-11-18T21:45:00.1234567Z", "OperationNameValue": "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE",
  "Caller": "mallory@example.com", "CallerIpAddress": "203.0.113.66", "ActivityStatusValue": "Success", "CategoryValue": "Administrative",
  "CorrelationId": "6b1f3e0c-8a41-4c4e-9d5a-0f6f2b8d9c11", "SubscriptionId": "00000000-0000-0000-0000-00000000a001",
  "_ResourceId": "/subscriptions/00000000-0000-0000-0000-00000000a001/resourcegroups/payments/providers/microsoft.web/sites/payments-web/providers/microsoft.insights/diagnosticsettings/send-to-law",
  "ResourceProviderValue": "MICROSOFT.INSIGHTS", "Type": "AzureActivity"}]
JSON
cat > "$scratch/baseline.yaml" <<'YAML'
version: 1
organization: Recipe
environments:
  - name: prod
    tier: production
    azure_subscriptions: ["00000000-0000-0000-0000-00000000a001"]
YAML
dotnet run --no-build --project src/DriftSentinel.Worker -- scan --snapshot "$scratch/snap" --baseline "$scratch/baseline.yaml" \
  --as-of 2026-11-20T00:00:00Z --out "$scratch/out" --allow-gaps >/dev/null || true
python3 - "$scratch/out/findings.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
hits = [f for f in doc["findings"] if f["rule_id"] == "DS-LOG-001" and f["cloud"] == "azure"]
read = [c for c in doc["coverage"] if c["source"] == "log-analytics.azure-activity" and c["status"] == "read"]
print(f"log-analytics coverage read: {len(read)}; DS-LOG-001 on azure: {len(hits)}" + (f" ({hits[0]['principal']})" if hits else ""))
sys.exit(0 if hits and read else 1)
PY
