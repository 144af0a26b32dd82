using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Sources;

/// <summary>
/// What every module's <see cref="ISourceModule.CheckDeclaredScopes"/> shares: whether a declared scope is already
/// accounted for in coverage, and how its declaration is described in the gap it leaves.
/// </summary>
public static class DeclaredScopes
{
    /// <summary>True when a coverage entry names the scope (read, partial, failed or missing).</summary>
    public static bool Mentioned(ScanInput input, string scope, StringComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Coverage.Entries.Any(e => e.Scope.Equals(scope, comparison) || e.Scope.StartsWith(scope + " ", comparison) || e.Scope.StartsWith(scope + ":", comparison));
    }

    /// <summary>"declared in environment 'prod' (production)".</summary>
    public static string Describe(EnvironmentDeclaration environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return $"declared in environment '{environment.Name}' ({(environment.IsProduction ? "production" : "non-production")})";
    }
}
