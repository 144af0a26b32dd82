using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using WireMock;

namespace DriftSentinel.FakeAws;

/// <summary>
/// GitHub's Actions and deployments REST API (api-version 2022-11-28) over a snapshot's github/ folder: the
/// organization's repositories, deployments (newest first) and their statuses, runs, run approvals, environments,
/// repository, environment and organization secrets. Lists page with Link headers; a rate limit is GitHub's primary
/// 403 (x-ratelimit-remaining: 0, x-ratelimit-reset); every answer carries x-ratelimit-* and an ETag.
/// </summary>
public sealed partial class FakeGitHubActions(string snapshotRoot, string token, int pageSize = 30) : FakeCiServer(snapshotRoot, pageSize)
{
    /// <summary>The time x-ratelimit-reset counts from: the client's clock (a test's fixed clock), as GitHub's is the real one.</summary>
    public Func<DateTimeOffset> Now { get; set; } = () => DateTimeOffset.UtcNow;

    /// <summary>A GitHub App's public key and id: a JWT it signed buys the installation token (the fake's token).</summary>
    public (System.Security.Cryptography.RSA Key, long AppId)? App { get; set; }

    /// <summary>Installation tokens handed out.</summary>
    public int InstallationTokens { get; private set; }

    protected override bool Authorized(IRequestMessage request)
    {
        var bearer = request.Headers is { } h && h.TryGetValue("Authorization", out var a) ? a.FirstOrDefault() ?? "" : "";
        if (AppTokenPath().IsMatch(request.Path))
        {
            return App is { } app && bearer.StartsWith("Bearer ", StringComparison.Ordinal) && ValidJwt(bearer["Bearer ".Length..], app.Key, app.AppId);
        }

        return bearer == $"Bearer {token}";
    }

    /// <summary>RS256 over header.payload with the app's key, issued by the app, not expired (GitHub allows at most 10 minutes).</summary>
    private static bool ValidJwt(string jwt, System.Security.Cryptography.RSA key, long appId)
    {
        var parts = jwt.Split('.');
        static byte[] Decode(string b64) => Convert.FromBase64String(b64.Replace('-', '+').Replace('_', '/').PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '='));
        if (parts.Length != 3 || !key.VerifyData(System.Text.Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Decode(parts[2]),
                System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1))
        {
            return false;
        }

        var claims = JsonNode.Parse(Decode(parts[1]))!;
        return claims["iss"]?.ToString() == appId.ToString(CultureInfo.InvariantCulture) && (long)claims["exp"]! - (long)claims["iat"]! <= 600;
    }

    protected override ResponseMessage RateLimit() =>
        Json(HttpStatusCode.Forbidden, new JsonObject { ["message"] = "API rate limit exceeded for installation.", ["documentation_url"] = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api" },
            ("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", "0"), ("x-ratelimit-used", "5000"), ("x-ratelimit-resource", "core"),
            ("x-ratelimit-reset", Now().AddSeconds(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));

    protected override (JsonNode Body, List<(string, string)> Headers) Page(JsonArray all, int offset, FakeAnswer answer, IRequestMessage request)
    {
        var page = new JsonArray([.. all.Skip(offset).Take(PageSize).Select(n => n!.DeepClone())]);
        var headers = new List<(string, string)> { ("x-ratelimit-remaining", "4000"), ("x-ratelimit-reset", "1999999999") };
        if (offset + PageSize < all.Count)
        {
            var number = (offset / PageSize) + 2;
            var query = string.Join('&', (request.RawQuery ?? "").TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("page=", StringComparison.Ordinal)).Append($"page={number}"));
            headers.Add(("Link", $"<{Url}{request.Path}?{query}>; rel=\"next\", <{Url}{request.Path}?page={(all.Count + PageSize - 1) / PageSize}>; rel=\"last\""));
        }

        return (answer.Wrap?.Invoke(page) ?? page, headers);
    }

    private static JsonObject Counted(string list, JsonArray page) => new() { ["total_count"] = page.Count, [list] = page };

    protected override FakeAnswer? Route(string path, IRequestMessage request)
    {
        if (AppTokenPath().IsMatch(path) && request.Method == "POST")
        {
            InstallationTokens++;
            return FakeAnswer.Object(new JsonObject { ["token"] = token, ["expires_at"] = Now().AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) });
        }

        if (OrgRepos().Match(path) is { Success: true } o)
        {
            var owner = o.Groups[1].Value;
            return FakeAnswer.List(Folders("github", owner).Select(r => (JsonNode)new JsonObject { ["id"] = Math.Abs(r.GetHashCode(StringComparison.Ordinal)), ["name"] = r, ["full_name"] = $"{owner}/{r}", ["archived"] = false, ["private"] = true }));
        }

        if (OrgSecrets().Match(path) is { Success: true } os)
        {
            var secrets = File("github", os.Groups[1].Value, "org-secrets.json")?["secrets"]?.AsArray() ?? [];
            if (os.Groups[2].Success)
            {
                var secret = secrets.FirstOrDefault(s => (string?)s?["name"] == os.Groups[2].Value);
                return secret is null ? null : FakeAnswer.List((secret["selected_repositories"]?.AsArray() ?? []).OfType<JsonNode>(), p => Counted("repositories", p));
            }

            return FakeAnswer.List(secrets.OfType<JsonNode>().Select(s => { var c = s.DeepClone().AsObject(); c.Remove("selected_repositories"); return (JsonNode)c; }), p => Counted("secrets", p));
        }

        if (RepoPath().Match(path) is not { Success: true } m)
        {
            return null;
        }

        string[] repo = ["github", m.Groups[1].Value, m.Groups[2].Value];
        if (!Directory.Exists(Path.Combine([Root, .. repo])))
        {
            return null;
        }

        var rest = m.Groups[3].Value;
        switch (rest.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            case ["deployments"]:
                return FakeAnswer.List(((File([.. repo, "deployments.json"]) as JsonArray) ?? []).OfType<JsonNode>().OrderByDescending(d => (string?)d["created_at"], StringComparer.Ordinal));
            case ["deployments", var id, "statuses"]:
                return File([.. repo, "deployment-statuses", $"{id}.json"]) is { } st ? FakeAnswer.Object(st) : FakeAnswer.Object(new JsonArray());
            case ["actions", "runs", var id]:
                return (File([.. repo, "runs.json"])?["workflow_runs"]?.AsArray() ?? []).FirstOrDefault(r => r?["id"]?.ToString() == id) is { } run ? FakeAnswer.Object(run.DeepClone()) : null;
            case ["actions", "runs", var id, "approvals"]:
                return FakeAnswer.Object(File([.. repo, "approvals", $"{id}.json"]) ?? new JsonArray());
            case ["environments"]:
                return File([.. repo, "environments.json"]) is { } envs ? FakeAnswer.Object(envs) : FakeAnswer.Object(new JsonObject { ["total_count"] = 0, ["environments"] = new JsonArray() });
            case ["environments", var env, "secrets"]:
                return FakeAnswer.Object(File([.. repo, "environment-secrets", $"{Uri.UnescapeDataString(env)}.json"]) ?? new JsonObject { ["total_count"] = 0, ["secrets"] = new JsonArray() });
            case ["actions", "secrets"]:
                return FakeAnswer.Object(File([.. repo, "secrets.json"]) ?? new JsonObject { ["total_count"] = 0, ["secrets"] = new JsonArray() });
            default:
                return null;
        }
    }

    [GeneratedRegex("^/app/installations/[0-9]+/access_tokens$")]
    private static partial Regex AppTokenPath();

    [GeneratedRegex("^/orgs/([^/]+)/repos$")]
    private static partial Regex OrgRepos();

    [GeneratedRegex("^/orgs/([^/]+)/actions/secrets(?:/([^/]+)/repositories)?$")]
    private static partial Regex OrgSecrets();

    [GeneratedRegex("^/repos/([^/]+)/([^/]+)(/.*)$")]
    private static partial Regex RepoPath();
}
