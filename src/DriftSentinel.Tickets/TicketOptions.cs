namespace DriftSentinel.Tickets;

/// <summary>Configuration section DriftSentinel:Tickets (docs/tickets.md): trackers, routes, and the report link.</summary>
public sealed class TicketOptions
{
    /// <summary>GitHub Issues (github.com or GitHub Enterprise Server).</summary>
    public GitHubTrackerOptions? GitHub { get; set; }

    /// <summary>Jira Cloud or Jira Data Center.</summary>
    public JiraTrackerOptions? Jira { get; set; }

    /// <summary>Findings to trackers: the first route that matches a finding wins; a finding no route matches gets no ticket.</summary>
    public List<TicketRoute> Routes { get; set; } = [];

    /// <summary>Where readers find the run's report, written into every ticket (e.g. an internal dashboard address).</summary>
    public string? ReportUrl { get; set; }

    /// <summary>Attempts per tracker request, including the first (429, 403 secondary limit, 5xx, timeouts are retried).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The longest a request may take, all retries included.</summary>
    public TimeSpan RequestBudget { get; set; } = TimeSpan.FromMinutes(2);

    public IEnumerable<string> Validate(string prefix)
    {
        if (Routes.Count == 0)
        {
            yield return $"{prefix}:Routes: no route; add at least one (Tracker, Project) or remove the Tickets section";
        }

        for (var i = 0; i < Routes.Count; i++)
        {
            var r = Routes[i];
            var key = $"{prefix}:Routes:{i}";
            if (r.Tracker is not ("github" or "jira"))
            {
                yield return $"{key}:Tracker: '{r.Tracker}' is not a tracker; expected github or jira";
            }
            else if (r.Tracker == "github" && GitHub is null)
            {
                yield return $"{key}:Tracker: github is routed to but there is no {prefix}:GitHub section";
            }
            else if (r.Tracker == "jira" && Jira is null)
            {
                yield return $"{key}:Tracker: jira is routed to but there is no {prefix}:Jira section";
            }

            if (r.Tracker == "jira" && string.IsNullOrWhiteSpace(r.Project))
            {
                yield return $"{key}:Project: the Jira project key is required (e.g. SEC)";
            }

            if (r.Tracker == "github" && (r.Project.Split('/') is not [{ Length: > 0 }, { Length: > 0 }]))
            {
                yield return $"{key}:Project: '{r.Project}' is not owner/repository";
            }

            if (r.Grouping is not ("finding" or "rule-environment"))
            {
                yield return $"{key}:Grouping: '{r.Grouping}' is not finding or rule-environment";
            }

            foreach (var error in r.ValidateFilter(key))
            {
                yield return error;
            }
        }

        if (Jira is { } jira && !Uri.TryCreate(jira.BaseUrl, UriKind.Absolute, out _))
        {
            yield return $"{prefix}:Jira:BaseUrl: '{jira.BaseUrl}' is not an absolute URL (e.g. https://example.atlassian.net)";
        }

        if (GitHub is { } gh && !Uri.TryCreate(gh.ApiUrl, UriKind.Absolute, out _))
        {
            yield return $"{prefix}:GitHub:ApiUrl: '{gh.ApiUrl}' is not an absolute URL";
        }

        if (MaxAttempts is < 1 or > 20)
        {
            yield return $"{prefix}:MaxAttempts: {MaxAttempts} is not between 1 and 20";
        }
    }
}

/// <summary>
/// Jira: the site, how to authenticate (an API token with <see cref="Email"/> as basic auth on Cloud; without an e-mail
/// the token is sent as a bearer: OAuth 2.0 on Cloud, a personal access token on Data Center), and the workflow's
/// transition names to close, close as not planned and reopen, tried in order.
/// </summary>
public sealed class JiraTrackerOptions
{
    public string BaseUrl { get; set; } = "";

    /// <summary>True for Jira Data Center / Server (REST v2, plain-text bodies).</summary>
    public bool DataCenter { get; set; }

    public string? Email { get; set; }

    public string TokenVariable { get; set; } = "JIRA_API_TOKEN";

    public string IssueType { get; set; } = "Task";

    public List<string> CloseTransitions { get; set; } = ["Done", "Close Issue", "Resolve Issue", "Closed"];

    public List<string> NotPlannedTransitions { get; set; } = ["Won't Do", "Won't Fix", "Declined", "Done", "Close Issue"];

    public List<string> ReopenTransitions { get; set; } = ["Reopen", "Reopen Issue", "To Do", "Backlog", "Open"];

    /// <summary>Finding severity → Jira priority name; a severity not listed sets no priority.</summary>
    public Dictionary<string, string> Priorities { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["critical"] = "Highest",
        ["high"] = "High",
        ["medium"] = "Medium",
        ["low"] = "Low",
        ["info"] = "Lowest",
    };
}

/// <summary>GitHub Issues: the API address and the environment variable holding the token (never the token itself).</summary>
public sealed class GitHubTrackerOptions
{
    public string ApiUrl { get; set; } = "https://api.github.com";

    /// <summary>A fine-grained token with Issues read and write on the routed repositories, or a GitHub App installation token.</summary>
    public string TokenVariable { get; set; } = "GITHUB_TOKEN";
}

/// <summary>
/// Which findings go to which project: every listed condition must hold (an empty list matches anything). Labels and
/// assignees are added to the ticket; the baseline's owners, when it declares them, are assigned too.
/// </summary>
public sealed class TicketRoute : Core.Output.NoticeRoute
{
    public string Tracker { get; set; } = "github";

    /// <summary>owner/repository for GitHub.</summary>
    public string Project { get; set; } = "";
    public List<string> Labels { get; set; } = [];
    public List<string> Assignees { get; set; } = [];

    /// <summary>"finding" (one ticket per finding, the default) or "rule-environment" (one per rule and environment, listing its findings).</summary>
    public string Grouping { get; set; } = "finding";

    internal bool Grouped => Grouping == "rule-environment";
}
