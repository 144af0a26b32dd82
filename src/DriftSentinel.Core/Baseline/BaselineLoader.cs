using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using DriftSentinel.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DriftSentinel.Core.Baseline;

/// <summary>An invalid baseline: every problem found, each naming the file, line and key.</summary>
public sealed class BaselineException(string file, IReadOnlyList<string> errors)
    : Exception($"invalid baseline {file}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>Loads and validates a baseline YAML file. Unknown keys, wrong types and bad patterns are errors, never ignored.</summary>
public static partial class BaselineLoader
{
    public static OrganizationBaseline Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BaselineException(path, [$"cannot read the file: {e.Message}"]);
        }

        // Editors on Windows save with a byte-order mark (UTF-8 or UTF-16); the hash stays over the bytes as written.
        using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Parse(reader.ReadToEnd(), path, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private const int MaxDepth = 64;

    /// <summary>The line where flow brackets ([ {) outside quotes nest deeper than <see cref="MaxDepth"/>, or null.</summary>
    private static int? TooDeep(string yaml)
    {
        var depth = 0;
        var line = 1;
        char? quote = null;
        foreach (var c in yaml)
        {
            if (c == '\n')
            {
                line++;
            }

            if (quote is not null)
            {
                quote = c == quote ? null : quote;
                continue;
            }

            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    break;
                case '[' or '{':
                    if (++depth > MaxDepth)
                    {
                        return line;
                    }

                    break;
                case ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    break;
            }
        }

        return null;
    }

    public static OrganizationBaseline Parse(string yaml, string fileName, string? hash = null)
    {
        var ctx = new Context(fileName);
        if (TooDeep(yaml) is { } line)
        {
            // YamlDotNet recurses per nesting level: a hostile file could overflow the stack, which no catch survives.
            throw new BaselineException(fileName, [$"{fileName}:{line}: nesting deeper than {MaxDepth} levels; a baseline is a few levels deep"]);
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new BaselineException(fileName, [$"{fileName}:{e.Start.Line}:{e.Start.Column}: not valid YAML: {e.Message}"]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new BaselineException(fileName, [$"{fileName}:1: expected a mapping with version, organization and environments"]);
        }

        var top = ctx.Map(root, "", ["version", "organization", "environments", "deployers", "break_glass", "human_access", "workloads", "people", "owners", "privileged", "thresholds", "exceptions"], ["version", "organization", "environments"]);
        var version = ctx.Int(top, "version", "", 1);
        if (version != 1 && top.ContainsKey("version"))
        {
            ctx.Error(top["version"], "version", $"unsupported version {version}; expected 1");
        }

        var environments = ctx.List(top, "environments", "").Select((n, i) => ReadEnvironment(ctx, n, $"environments[{i}]")).OfType<EnvironmentDeclaration>().ToList();
        foreach (var dup in environments.GroupBy(e => e.Name).Where(g => g.Count() > 1))
        {
            ctx.Error(top["environments"], "environments", $"environment '{dup.Key}' is declared {dup.Count()} times");
        }

        foreach (var (env, i) in environments.Select((e, i) => (e, i)))
        {
            if (env.PromotesTo is not null && environments.All(e => e.Name != env.PromotesTo))
            {
                ctx.Error(ctx.List(top, "environments", "")[i], $"environments[{i}].promotes_to", $"names unknown environment '{env.PromotesTo}'");
            }

            // A promotion chain must end: following promotes_to from here may not come back.
            var seen = new HashSet<string>(StringComparer.Ordinal) { env.Name };
            for (var next = env.PromotesTo; next is not null; next = environments.FirstOrDefault(e => e.Name == next)?.PromotesTo)
            {
                if (!seen.Add(next))
                {
                    ctx.Error(ctx.List(top, "environments", "")[i], $"environments[{i}].promotes_to", $"'{env.PromotesTo}' leads back to '{next}': promotion cannot be a cycle");
                    break;
                }
            }
        }

        // One scope, one environment: otherwise the first declaration silently wins and the other's findings vanish.
        void Unique(string what, Func<EnvironmentDeclaration, IEnumerable<string>> scopes, StringComparer comparer)
        {
            foreach (var dup in environments.SelectMany(e => scopes(e).Distinct(comparer).Select(s => (Scope: s, Env: e.Name))).GroupBy(x => x.Scope, comparer).Where(g => g.Count() > 1))
            {
                ctx.Error(top["environments"], "environments", $"{what} '{dup.Key}' is declared in {string.Join(" and ", dup.Select(x => x.Env))}; a scope belongs to one environment");
            }
        }

        Unique("AWS account", e => e.AwsAccounts, StringComparer.Ordinal);
        Unique("Azure subscription", e => e.AzureSubscriptions, StringComparer.OrdinalIgnoreCase);
        Unique("Entra tenant", e => e.EntraTenants, StringComparer.OrdinalIgnoreCase);
        Unique("pipeline environment", e => e.DeployTargets.Select(t => t.ToString()), StringComparer.OrdinalIgnoreCase);

        var deployers = ctx.List(top, "deployers", "").Select((n, i) =>
        {
            var p = $"deployers[{i}]";
            var m = ctx.Map(n, p, ["name", "aws_roles", "azure_principals", "pipelines", "github_repositories"], ["name"]);
            return new DeployerDeclaration
            {
                Name = ctx.String(m, "name", p) ?? "",
                AwsRoles = ctx.Globs(m, "aws_roles", p),
                AzurePrincipals = ctx.Globs(m, "azure_principals", p),
                Pipelines = [.. Targets(ctx, m, "pipelines", p, withEnvironment: false, null), .. Targets(ctx, m, "github_repositories", p, withEnvironment: false, PipelineProviders.GitHub)],
            };
        }).ToList();

        var bgMap = ctx.Map(Context.Node(top, "break_glass"), "break_glass", ["aws_roles", "azure_principals", "ticket_pattern", "max_session_hours"], []);
        var breakGlass = new BreakGlassDeclaration
        {
            AwsRoles = ctx.Globs(bgMap, "aws_roles", "break_glass"),
            AzurePrincipals = ctx.Globs(bgMap, "azure_principals", "break_glass"),
            TicketPattern = ctx.Pattern(bgMap, "ticket_pattern", "break_glass"),
            MaxSessionHours = ctx.Number(bgMap, "max_session_hours", "break_glass", 4, max: 168),
        };

        var owners = ctx.List(top, "owners", "").Select((n, i) =>
        {
            var p = $"owners[{i}]";
            var m = ctx.Map(n, p, ["environment", "account", "github", "jira"], []);
            var environment = ctx.String(m, "environment", p);
            var account = ctx.String(m, "account", p);
            if (environment is null && account is null)
            {
                ctx.Error(n, p, "an owner needs an environment or an account it owns");
            }

            return new OwnerDeclaration(environment, account, [.. ctx.Strings(m, "github", p).Select(id => $"github:{id}"), .. ctx.Strings(m, "jira", p).Select(id => $"jira:{id}")]);
        }).ToList();

        var people = ctx.List(top, "people", "").Select((n, i) =>
        {
            var p = $"people[{i}]";
            var m = ctx.Map(n, p, ["id", "aws", "azure", "ci_users", "github"], ["id"]);
            var ciUsers = ctx.Strings(m, "ci_users", p).Select((u, j) =>
            {
                var colon = u.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0 || colon == u.Length - 1 || !PipelineProviders.All.Contains(u[..colon].ToLowerInvariant()))
                {
                    ctx.Error(m["ci_users"], $"{p}.ci_users[{j}]", $"'{u}' is not provider:login (provider one of {string.Join(", ", PipelineProviders.All)})");
                    return null;
                }

                return new PipelineIdentity(u[..colon].ToLowerInvariant(), u[(colon + 1)..]);
            }).OfType<PipelineIdentity>();
            return new PersonDeclaration(ctx.String(m, "id", p) ?? "", ctx.Strings(m, "aws", p), ctx.Strings(m, "azure", p),
                [.. ciUsers, .. ctx.Strings(m, "github", p).Select(login => new PipelineIdentity(PipelineProviders.GitHub, login))]);
        }).ToList();

        var defaults = new PrivilegedDeclaration();
        var privMap = ctx.Map(Context.Node(top, "privileged"), "privileged", ["aws_policies", "aws_actions", "azure_roles"], []);
        var privileged = new PrivilegedDeclaration
        {
            AwsPolicies = privMap.ContainsKey("aws_policies") ? ctx.Strings(privMap, "aws_policies", "privileged") : defaults.AwsPolicies,
            AwsActions = privMap.ContainsKey("aws_actions") ? ctx.Strings(privMap, "aws_actions", "privileged") : defaults.AwsActions,
            AzureRoles = privMap.ContainsKey("azure_roles") ? ctx.Strings(privMap, "azure_roles", "privileged") : defaults.AzureRoles,
        };

        var thrMap = ctx.Map(Context.Node(top, "thresholds"), "thresholds", ["stale_after_days", "access_key_max_age_days", "max_elevation_hours", "deploy_match_window_minutes", "max_exception_days"], []);
        var t = new Thresholds();
        var thresholds = new Thresholds
        {
            // Bounds keep every window a TimeSpan and a date can hold, and say what a sane policy looks like.
            StaleAfterDays = ctx.PositiveInt(thrMap, "stale_after_days", "thresholds", t.StaleAfterDays, max: 3650),
            AccessKeyMaxAgeDays = ctx.PositiveInt(thrMap, "access_key_max_age_days", "thresholds", t.AccessKeyMaxAgeDays, max: 3650),
            MaxElevationHours = ctx.Number(thrMap, "max_elevation_hours", "thresholds", t.MaxElevationHours, max: 8760),
            DeployMatchWindowMinutes = ctx.PositiveInt(thrMap, "deploy_match_window_minutes", "thresholds", t.DeployMatchWindowMinutes, max: 10080),
            MaxExceptionDays = ctx.PositiveInt(thrMap, "max_exception_days", "thresholds", t.MaxExceptionDays, max: 3650),
        };

        var exceptions = ctx.List(top, "exceptions", "").Select((n, i) => ReadException(ctx, n, $"exceptions[{i}]")).OfType<FindingException>().ToList();

        var baseline = new OrganizationBaseline
        {
            Version = version,
            Organization = ctx.String(top, "organization", "") ?? "",
            Environments = environments,
            Deployers = deployers,
            BreakGlass = breakGlass,
            HumanAccess = ReadIdentityGlobs(ctx, top, "human_access"),
            Workloads = ReadIdentityGlobs(ctx, top, "workloads"),
            People = people,
            Owners = owners,
            Privileged = privileged,
            Thresholds = thresholds,
            Exceptions = exceptions,
            Hash = hash ?? Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(yaml))),
            SourceFile = fileName,
        };

        if (ctx.Errors.Count > 0)
        {
            throw new BaselineException(fileName, ctx.Errors);
        }

        return baseline;
    }

    private static IdentityGlobs ReadIdentityGlobs(Context ctx, YamlMappingNode top, string key)
    {
        var m = ctx.Map(Context.Node(top, key), key, ["aws_roles", "azure_principals"], []);
        return new IdentityGlobs { AwsRoles = ctx.Globs(m, "aws_roles", key), AzurePrincipals = ctx.Globs(m, "azure_principals", key) };
    }

    private static EnvironmentDeclaration? ReadEnvironment(Context ctx, YamlNode node, string path)
    {
        var m = ctx.Map(node, path, ["name", "tier", "promotes_to", "aws_accounts", "azure_subscriptions", "entra_tenants", "deploy_targets", "github_environments", "azure_principals"], ["name", "tier"]);
        var tierText = ctx.String(m, "tier", path);
        Tier tier = Tier.NonProduction;
        if (tierText is not null)
        {
            switch (tierText)
            {
                case "production":
                    tier = Tier.Production;
                    break;
                case "non-production":
                    break;
                default:
                    ctx.Error(m["tier"], $"{path}.tier", $"'{tierText}' is not a tier; expected production or non-production");
                    break;
            }
        }

        var accounts = ctx.Strings(m, "aws_accounts", path);
        for (var i = 0; i < accounts.Count; i++)
        {
            if (!AwsAccountId().IsMatch(accounts[i]))
            {
                ctx.Error(m["aws_accounts"], $"{path}.aws_accounts[{i}]", $"'{accounts[i]}' is not a 12-digit AWS account id (quote it so YAML keeps leading zeros)");
            }
        }

        var subscriptions = ctx.Strings(m, "azure_subscriptions", path);
        for (var i = 0; i < subscriptions.Count; i++)
        {
            if (!Guid.TryParse(subscriptions[i], out _))
            {
                ctx.Error(m["azure_subscriptions"], $"{path}.azure_subscriptions[{i}]", $"'{subscriptions[i]}' is not a subscription id (a GUID)");
            }
        }

        var tenants = ctx.Strings(m, "entra_tenants", path);
        for (var i = 0; i < tenants.Count; i++)
        {
            if (!Guid.TryParse(tenants[i], out _))
            {
                ctx.Error(m["entra_tenants"], $"{path}.entra_tenants[{i}]", $"'{tenants[i]}' is not a tenant id (a GUID)");
            }
        }

        // github_environments is the alias of deploy_targets for GitHub: "owner/repo:environment" without the prefix.
        var ghEnvs = ctx.Strings(m, "github_environments", path);
        for (var i = 0; i < ghEnvs.Count; i++)
        {
            if (!GitHubEnvironment().IsMatch(ghEnvs[i]))
            {
                ctx.Error(m["github_environments"], $"{path}.github_environments[{i}]", $"'{ghEnvs[i]}' is not owner/repo:environment");
            }
        }

        List<PipelineTarget> deployTargets = [.. Targets(ctx, m, "deploy_targets", path, withEnvironment: true, null),
            .. ghEnvs.Where(g => GitHubEnvironment().IsMatch(g)).Select(g => PipelineTarget.Parse(g, withEnvironment: true, PipelineProviders.GitHub)).OfType<PipelineTarget>()];

        var name = ctx.String(m, "name", path);
        return name is null ? null : new EnvironmentDeclaration
        {
            Name = name,
            Tier = tier,
            PromotesTo = ctx.String(m, "promotes_to", path),
            AwsAccounts = accounts,
            AzureSubscriptions = subscriptions,
            EntraTenants = tenants,
            DeployTargets = deployTargets,
            AzurePrincipals = ctx.Globs(m, "azure_principals", path),
        };
    }

    /// <summary>A list of provider:project[:environment] entries; a bad one is an error naming its index.</summary>
    private static IEnumerable<PipelineTarget> Targets(Context ctx, YamlMappingNode m, string key, string path, bool withEnvironment, string? defaultProvider)
    {
        var texts = ctx.Strings(m, key, path);
        for (var i = 0; i < texts.Count; i++)
        {
            if (PipelineTarget.Parse(texts[i], withEnvironment, defaultProvider) is { } target)
            {
                yield return target;
            }
            else
            {
                ctx.Error(m[key], $"{path}.{key}[{i}]", $"'{texts[i]}' is not {(defaultProvider is null ? "provider:" : "")}{(withEnvironment ? "project:environment" : "project")} "
                    + $"(provider one of {string.Join(", ", PipelineProviders.All)}; project a path such as owner/repo or group/subgroup/project)");
            }
        }
    }

    private static FindingException? ReadException(Context ctx, YamlNode node, string path)
    {
        var m = ctx.Map(node, path, ["rule", "principal", "resource", "account", "owner", "reason", "ticket", "expires"], ["rule", "owner", "reason", "expires"]);
        var rule = ctx.String(m, "rule", path);
        if (rule is not null && !RuleId().IsMatch(rule))
        {
            ctx.Error(m["rule"], $"{path}.rule", $"'{rule}' is not a rule id like DS-ACC-001");
        }

        var expiresText = ctx.String(m, "expires", path);
        DateOnly expires = default;
        if (expiresText is not null && !DateOnly.TryParseExact(expiresText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out expires))
        {
            ctx.Error(m["expires"], $"{path}.expires", $"'{expiresText}' is not a date; expected YYYY-MM-DD");
        }

        // A pattern of wildcards only ("*", "**") narrows nothing: with nothing else it would pass every finding of the rule.
        static bool Narrows(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode { Value: { Length: > 0 } text } && text.Any(c => c != '*');
        if (!Narrows(m, "principal") && !Narrows(m, "resource") && !Narrows(m, "account"))
        {
            ctx.Error(node, path, "an exception must name a principal, resource or account that narrows it (a pattern of only '*' matches everything); one that matches every finding of a rule is a blanket pass, not an exception");
        }

        foreach (var key in new[] { "reason", "owner" })
        {
            if (m.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode { Value: { } text } && text.Length > 0 && string.IsNullOrWhiteSpace(text))
            {
                ctx.Error(v, $"{path}.{key}", "expected a non-empty text value");
            }
        }

        if (rule is null || expiresText is null)
        {
            return null;
        }

        return new FindingException
        {
            Rule = rule,
            Principal = ctx.Glob(m, "principal", path),
            Resource = ctx.Glob(m, "resource", path),
            Account = ctx.String(m, "account", path),
            Owner = ctx.String(m, "owner", path) ?? "",
            Reason = ctx.String(m, "reason", path) ?? "",
            Ticket = ctx.String(m, "ticket", path),
            Expires = expires,
            Line = (int)node.Start.Line,
            Index = int.Parse(path.AsSpan("exceptions[".Length, path.Length - "exceptions[".Length - 1), CultureInfo.InvariantCulture),
        };
    }

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AwsAccountId();

    [GeneratedRegex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+:.+$")]
    private static partial Regex GitHubEnvironment();

    [GeneratedRegex("^DS-[A-Z]+-[0-9]{3}$")]
    private static partial Regex RuleId();

    /// <summary>Collects errors while walking the YAML, so a user sees every problem in one run.</summary>
    private sealed class Context(string file)
    {
        private static readonly YamlMappingNode EmptyMap = new();

        public List<string> Errors { get; } = [];

        public void Error(YamlNode node, string key, string message) =>
            Errors.Add($"{file}:{node.Start.Line}:{node.Start.Column}: {(key.Length == 0 ? "" : $"'{key}': ")}{message}");

        private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

        public static YamlNode? Node(YamlMappingNode map, string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : null;

        public YamlMappingNode Map(YamlNode? node, string path, string[] allowed, string[] required)
        {
            if (node is null || node is YamlScalarNode { Value: null or "" or "~" or "null" })
            {
                return EmptyMap;
            }

            if (node is not YamlMappingNode map)
            {
                Error(node, path, "expected a mapping");
                return EmptyMap;
            }

            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? "";
                if (!allowed.Contains(name))
                {
                    Error(key, Join(path, name), $"unknown key; expected one of {string.Join(", ", allowed)}");
                }
            }

            foreach (var req in required)
            {
                if (!map.Children.ContainsKey(new YamlScalarNode(req)))
                {
                    Error(map, Join(path, req), "required key is missing");
                }
            }

            return map;
        }

        public IReadOnlyList<YamlNode> List(YamlMappingNode map, string key, string path)
        {
            var node = Node(map, key);
            if (node is null || node is YamlScalarNode { Value: null or "" or "~" or "null" })
            {
                return [];
            }

            if (node is YamlSequenceNode seq)
            {
                return seq.Children.ToList();
            }

            Error(node, Join(path, key), "expected a list");
            return [];
        }

        public string? String(YamlMappingNode map, string key, string path)
        {
            var node = Node(map, key);
            if (node is null)
            {
                return null;
            }

            if (node is YamlScalarNode s && !string.IsNullOrEmpty(s.Value))
            {
                return s.Value;
            }

            Error(node, Join(path, key), "expected a non-empty text value");
            return null;
        }

        public IReadOnlyList<string> Strings(YamlMappingNode map, string key, string path)
        {
            var result = new List<string>();
            foreach (var (item, i) in List(map, key, path).Select((n, i) => (n, i)))
            {
                if (item is YamlScalarNode s && !string.IsNullOrEmpty(s.Value))
                {
                    result.Add(s.Value);
                }
                else
                {
                    Error(item, $"{Join(path, key)}[{i}]", "expected a text value");
                }
            }

            return result;
        }

        public IReadOnlyList<Glob> Globs(YamlMappingNode map, string key, string path)
        {
            var result = new List<Glob>();
            var nodes = List(map, key, path);
            var values = Strings(map, key, path);
            for (var i = 0; i < values.Count; i++)
            {
                if (Baseline.Glob.TryParse(values[i], out var g, out var err))
                {
                    result.Add(g!);
                }
                else
                {
                    Error(nodes[Math.Min(i, nodes.Count - 1)], $"{Join(path, key)}[{i}]", $"bad pattern '{values[i]}': {err}");
                }
            }

            return result;
        }

        public Glob? Glob(YamlMappingNode map, string key, string path)
        {
            var text = String(map, key, path);
            if (text is null)
            {
                return null;
            }

            if (Baseline.Glob.TryParse(text, out var g, out var err))
            {
                return g;
            }

            Error(map[key], Join(path, key), $"bad pattern '{text}': {err}");
            return null;
        }

        public Regex? Pattern(YamlMappingNode map, string key, string path)
        {
            var text = String(map, key, path);
            if (text is null)
            {
                return null;
            }

            try
            {
                // Matched against attacker-chosen text (session names): linear time, no catastrophic backtracking.
                return new Regex(text, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                Error(map[key], Join(path, key), $"bad regular expression '{text}': {e.Message} (back-references and look-arounds are not supported)");
                return null;
            }
        }

        public int Int(YamlMappingNode map, string key, string path, int fallback)
        {
            var text = String(map, key, path);
            if (text is null)
            {
                return fallback;
            }

            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            {
                return v;
            }

            Error(map[key], Join(path, key), $"'{text}' is not a whole number");
            return fallback;
        }

        public int PositiveInt(YamlMappingNode map, string key, string path, int fallback, int max = int.MaxValue)
        {
            var v = Int(map, key, path, fallback);
            if (v <= 0 || v > max)
            {
                Error(map[key], Join(path, key), $"must be between 1 and {max}, got {v}");
                return fallback;
            }

            return v;
        }

        public double Number(YamlMappingNode map, string key, string path, double fallback, double max = 8760)
        {
            var text = String(map, key, path);
            if (text is null)
            {
                return fallback;
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && v <= max)
            {
                return v;
            }

            Error(map[key], Join(path, key), $"'{text}' is not a number above 0 and at most {max}");
            return fallback;
        }
    }
}

/// <summary>Key lookups on YAML mappings.</summary>
internal static class YamlMappingExtensions
{
    public static bool ContainsKey(this YamlMappingNode map, string key) => map.Children.ContainsKey(new YamlScalarNode(key));
}
