using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using DriftSentinel.Core.Access;

namespace DriftSentinel.Reporting;

/// <summary>
/// An access review campaign as a sheet reviewers fill in and sign, in the spirit of Entra's review history: one row
/// per entitlement with the recommendation and its evidence window, and the decision columns. Written as UTF-8 CSV
/// with a byte-order mark so Excel opens it as UTF-8; read back with every cell checked (<see cref="Import"/>).
/// </summary>
public static class ReviewSheet
{
    public static readonly string[] Columns =
    [
        "review_id", "review_name", "review_start", "review_end", "as_of", "item_id", "cloud", "environment", "account", "principal_id", "principal_name", "principal_type",
        "entitlement", "scope", "privileged", "assignment_type", "last_used", "recommendation", "recommendation_reason", "evidence_window", "reviewer",
        "decision", "justification", "decided_by", "decided_on", "remediation_due", "remediation", "carried_out_at", "proof",
    ];

    private static readonly string[] Required = ["review_id", "item_id", "principal_id", "entitlement", "scope", "reviewer", "decision", "justification", "decided_by", "decided_on"];

    /// <summary>The cells a reviewer must not change: they say what is being decided.</summary>
    private static readonly string[] Fixed = ["principal_id", "entitlement", "scope"];

    public static void Write(ReviewCampaign campaign, IEnumerable<ReviewItem> items, Stream output) => Write([(campaign, items)], output);

    /// <summary>Several campaigns in one sheet (the evidence pack's decisions), each row naming its campaign.</summary>
    public static void Write(IEnumerable<(ReviewCampaign Campaign, IEnumerable<ReviewItem> Items)> campaigns, Stream output)
    {
        ArgumentNullException.ThrowIfNull(campaigns);
        using var text = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), leaveOpen: true);
        using var csv = new CsvTableWriter(text);
        csv.WriteRow(Columns);
        foreach (var (campaign, items) in campaigns)
        {
            WriteRows(csv, campaign, items);
        }
    }

    private static void WriteRows(CsvTableWriter csv, ReviewCampaign campaign, IEnumerable<ReviewItem> items)
    {
        foreach (var i in items)
        {
            csv.WriteRow(campaign.Id, campaign.Name, ReportFormat.Time(campaign.StartedAt), ReportFormat.Time(campaign.EndsAt), ReportFormat.Time(campaign.AsOf), i.ItemId,
                i.Cloud.ToString().ToLowerInvariant(), i.Environment, i.Account, i.PrincipalId, i.PrincipalName, i.PrincipalType, i.Entitlement, i.Scope, i.Privileged ? "yes" : "no",
                i.AssignmentType, ReportFormat.Time(i.LastUsed), i.Recommendation, i.RecommendationReason, i.EvidenceWindow, i.Reviewer,
                i.Decision?.ToString().ToLowerInvariant(), i.Justification, i.DecidedBy, ReportFormat.Time(i.DecidedOn), i.RemediationDue?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Remediation(i), ReportFormat.Time(i.CarriedOutAt), i.Proof);
        }
    }

    /// <summary>none, pending, carried out or overdue, as the sheet and `review status` write it.</summary>
    public static string Remediation(ReviewItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Remediation switch
        {
            RemediationStatus.Pending => "pending",
            RemediationStatus.CarriedOut => "carried out",
            RemediationStatus.Overdue => "overdue",
            _ => "",
        };
    }

    /// <summary>The outcome of reading a signed sheet back: the campaign it names, the rows decided, and every error.</summary>
    public sealed record ImportResult(string? CampaignId, IReadOnlyList<ReviewItem> Decided, int Pending, int Unchanged, IReadOnlyList<string> Errors);

    /// <summary>
    /// Reads a sheet of one campaign against its stored items. Every problem is reported, each naming the file, row
    /// and column: a row of another campaign or an unknown item, a changed principal, entitlement or scope cell, a
    /// decision other than keep, revoke or modify, a revoke or modify without justification, a date that is not one,
    /// a decision with nobody to attribute it to, the same item twice. Nothing is decided when anything is wrong.
    /// </summary>
    public static ImportResult Import(string path, Func<string, (ReviewCampaign Campaign, IReadOnlyList<ReviewItem> Items)?> load, DateTimeOffset now, string? by)
    {
        ArgumentNullException.ThrowIfNull(load);
        var errors = new List<string>();
        var name = Path.GetFileName(path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = true, MissingFieldFound = null, BadDataFound = null });
        if (!csv.Read() || !csv.ReadHeader())
        {
            return new ImportResult(null, [], 0, 0, [$"{name}: empty; expected the header row {string.Join(',', Columns)}"]);
        }

        var header = csv.HeaderRecord ?? [];
        var missing = Required.Where(c => !header.Contains(c, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            return new ImportResult(null, [], 0, 0, [$"{name}: column(s) {string.Join(", ", missing)} missing; the sheet must keep the columns `review export` wrote"]);
        }

        (ReviewCampaign Campaign, Dictionary<string, ReviewItem> Items)? campaign = null;
        var decided = new List<ReviewItem>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var pending = 0;
        var unchanged = 0;
        while (csv.Read())
        {
            var row = csv.Parser.Row;
            string Cell(string column) => (csv.GetField(column) ?? "").Trim();
            var where = $"{name} row {row.ToString(CultureInfo.InvariantCulture)}";
            var reviewId = Cell("review_id");
            if (campaign is null)
            {
                if (load(reviewId) is not { } found)
                {
                    errors.Add($"{where}, review_id: '{reviewId}' is not a campaign in this history store");
                    break;
                }

                campaign = (found.Campaign, found.Items.ToDictionary(i => i.ItemId, StringComparer.Ordinal));
            }
            else if (reviewId != campaign.Value.Campaign.Id)
            {
                errors.Add($"{where}, review_id: '{reviewId}' is another campaign than the sheet's first row ('{campaign.Value.Campaign.Id}'); import one campaign's sheet at a time");
                continue;
            }

            var id = Cell("item_id");
            if (!campaign.Value.Items.TryGetValue(id, out var item))
            {
                errors.Add($"{where}, item_id: '{id}' is not a row of campaign {campaign.Value.Campaign.Id}");
                continue;
            }

            if (seen.TryGetValue(id, out var first))
            {
                errors.Add($"{where}, item_id: '{id}' was already decided on row {first.ToString(CultureInfo.InvariantCulture)}");
                continue;
            }

            seen[id] = row;
            var stored = new Dictionary<string, string>(StringComparer.Ordinal) { ["principal_id"] = item.PrincipalId, ["entitlement"] = item.Entitlement, ["scope"] = item.Scope };
            var changed = false;
            foreach (var column in Fixed)
            {
                var cell = Cell(column);
                if (cell != stored[column] && cell != CsvSafety.Neutralise(stored[column]))
                {
                    errors.Add($"{where}, {column}: changed from '{stored[column]}' to '{cell}'; a decision must stay on the row it was asked about");
                    changed = true;
                }
            }

            var decisionText = Cell("decision");
            if (decisionText.Length == 0)
            {
                pending++;
                continue;
            }

            if (!Enum.TryParse<ReviewDecision>(decisionText, ignoreCase: true, out var decision) || !Enum.IsDefined(decision) || decisionText.Any(char.IsDigit))
            {
                errors.Add($"{where}, decision: '{decisionText}' is not keep, revoke or modify");
                continue;
            }

            var justification = Cell("justification");
            if (decision is ReviewDecision.Revoke or ReviewDecision.Modify && justification.Length == 0)
            {
                errors.Add($"{where}, justification: a {decision.ToString().ToLowerInvariant()} decision needs a justification");
                continue;
            }

            DateTimeOffset decidedOn = now;
            var onText = Cell("decided_on");
            if (onText.Length > 0 && !DateTimeOffset.TryParse(onText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out decidedOn))
            {
                errors.Add($"{where}, decided_on: '{onText}' is not a date (expected ISO 8601, e.g. 2026-12-01)");
                continue;
            }

            var decidedBy = Cell("decided_by") is { Length: > 0 } who ? who : Cell("reviewer") is { Length: > 0 } reviewer ? reviewer : by;
            if (string.IsNullOrWhiteSpace(decidedBy))
            {
                errors.Add($"{where}, decided_by: empty, and neither reviewer nor --by says who decided");
                continue;
            }

            if (changed)
            {
                continue;
            }

            if (item.Decision == decision && (item.Justification ?? "") == justification && item.DecidedBy == decidedBy && item.DecidedOn == decidedOn)
            {
                unchanged++;
                continue;
            }

            var remediate = decision is ReviewDecision.Revoke or ReviewDecision.Modify;
            decided.Add(item with
            {
                Decision = decision,
                Justification = justification.Length == 0 ? null : justification,
                DecidedBy = decidedBy,
                DecidedOn = decidedOn,
                RecordedAt = now,
                RemediationDue = remediate ? DateOnly.FromDateTime(decidedOn.UtcDateTime).AddDays(campaign.Value.Campaign.RemediationDays) : null,
                Remediation = remediate ? RemediationStatus.Pending : RemediationStatus.None,
                CarriedOutAt = null,
                Proof = null,
            });
        }

        return new ImportResult(campaign?.Campaign.Id, errors.Count == 0 ? decided : [], pending, unchanged, errors);
    }
}
