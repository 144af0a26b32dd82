using DriftSentinel.Aws.Collection.Sources;
using DriftSentinel.Azure.Collection.Sources;
using DriftSentinel.AzureDevOps;
using DriftSentinel.Core.Sources;
using DriftSentinel.GitHub;
using DriftSentinel.GitLab;

namespace DriftSentinel.Worker;

/// <summary>The one place the worker names its sources: one registration line per source module.</summary>
public static class SourceModules
{
    /// <summary>Every source this build knows, in the order their readers run.</summary>
    public static SourceRegistry Default() => new SourceRegistry()
        .AddAws()
        .AddAzure()
        .AddGitHub()
        .AddGitLab()
        .AddAzureDevOps();
}
