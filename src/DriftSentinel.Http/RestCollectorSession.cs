using System.Collections.Concurrent;
using System.Net.Http.Headers;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Http;

/// <summary>What every REST source's options share: where the API is, whose token, how far back, how many at once.</summary>
public abstract class RestSourceOptions
{
    /// <summary>The REST root of the service.</summary>
    public abstract string ApiUrl { get; set; }

    /// <summary>The environment variable holding the token; the token never appears in configuration, logs or outputs.</summary>
    public abstract string TokenVariable { get; set; }

    /// <summary>How far back deployments are kept in the snapshot (DS-DEP-003 looks back this far for the promoting deployment).</summary>
    public int WindowDays { get; set; } = 90;

    /// <summary>Repositories or projects collected at once.</summary>
    public int MaxParallel { get; set; } = 4;

    /// <summary>Attempts per request, the first included; rate limits are waited out (at most 15 minutes each).</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The problems of the shared keys, each naming its key below <paramref name="prefix"/>.</summary>
    protected IEnumerable<string> ValidateShared(string prefix)
    {
        if (!Uri.TryCreate(ApiUrl, UriKind.Absolute, out var api) || api.Scheme is not ("https" or "http"))
        {
            yield return $"{prefix}:ApiUrl: '{ApiUrl}' is not an http(s) URL";
        }

        if (WindowDays is < 1 or > 400)
        {
            yield return $"{prefix}:WindowDays: {WindowDays} is outside 1..400";
        }

        if (MaxParallel is < 1 or > 32)
        {
            yield return $"{prefix}:MaxParallel: {MaxParallel} is outside 1..32";
        }

        if (MaxAttempts is < 1 or > 20)
        {
            yield return $"{prefix}:MaxAttempts: {MaxAttempts} is outside 1..20";
        }
    }
}

/// <summary>
/// One live collection from a REST service: the HttpClient on the shared resilience pipeline (counted into the
/// collection's metrics), the conditional-request cache in the state folder, and what to save once the snapshot is
/// used (record windows, the cache) — saved only then, so a collection whose snapshot is discarded is read again.
/// </summary>
public sealed class RestCollectorSession : IDisposable
{
    private readonly ConcurrentBag<Action> _commits = [];
    private readonly ConditionalCache _cache;

    public RestCollectorSession(RestSourceOptions options, LiveCollectionContext context, string stateName, string baseUrl, HttpMessageHandler? transport)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        Context = context;
        Options = options;
        _cache = new ConditionalCache(Path.Combine(context.StateDirectory, stateName, "etags.json"));
        Http = new HttpClient(RestResilience.Handler(new RestRetryOptions { MaxAttempts = options.MaxAttempts }, context.Clock, new CollectionCounters(context.Metrics), transport), disposeHandler: true)
        {
            BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        Http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("DriftSentinel", "1.0"));
        Client = new RestJsonClient(Http, _cache);
    }

    public LiveCollectionContext Context { get; }

    public RestSourceOptions Options { get; }

    public HttpClient Http { get; }

    public RestJsonClient Client { get; }

    /// <summary>When the deployments kept for the window start (now less <see cref="RestSourceOptions.WindowDays"/>).</summary>
    public DateTimeOffset WindowStart => Context.Clock.GetUtcNow().AddDays(-Options.WindowDays);

    /// <summary>The token in the configured variable, or the configuration error naming the variable (never the value).</summary>
    public static string Token(string service, string variable, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var token = environment(variable);
        return string.IsNullOrWhiteSpace(token)
            ? throw new SourceConfigurationException($"{service}: the environment variable {variable} holds no token")
            : token.Trim();
    }

    /// <summary>
    /// Collects each scope (repository, project) up to <see cref="RestSourceOptions.MaxParallel"/> at once, counted in
    /// the progress: a scope the service refuses, or one that fails, is one <c>failed</c> coverage entry under
    /// <paramref name="source"/> and never sinks the others.
    /// </summary>
    public Task ForEachScopeAsync<T>(IReadOnlyCollection<T> scopes, Func<T, string> nameOf, string source, string noun, Func<T, CancellationToken, Task> collect)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(nameOf);
        ArgumentNullException.ThrowIfNull(collect);
        Context.Metrics.AccountsTotal += scopes.Count;
        return Parallel.ForEachAsync(scopes, new ParallelOptions { MaxDegreeOfParallelism = Options.MaxParallel }, async (scope, ct) =>
        {
            var name = nameOf(scope);
            try
            {
                await collect(scope, ct).ConfigureAwait(false);
            }
            catch (RestFailureException e)
            {
                Context.Coverage.Failed(source, name, 0, e.Denied
                    ? $"{noun} {name} was refused ({(int)e.Status}): the token cannot read it; see docs/permissions.md ({e.Message})"
                    : $"{noun} {name} could not be collected: {e.Message}");
            }
            finally
            {
                Context.Metrics.CountAccountDone();
            }
        });
    }

    /// <summary>A record window in the state folder (ignored by a --full run); see <see cref="SaveOnCommit"/>.</summary>
    public RecordWindow Window(params string[] statePath) => new(Path.Combine([Context.StateDirectory, .. statePath]), Context.Full);

    /// <summary>
    /// Saves the window on commit. Call it once the scope's collection succeeded: a window saved after a failure
    /// midway would advance the watermark past pages never read.
    /// </summary>
    public void SaveOnCommit(RecordWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        _commits.Add(window.Save);
    }

    /// <summary>Where reading resumes: the window's watermark less <paramref name="overlap"/>, never before the window.</summary>
    public DateTimeOffset Since(RecordWindow window, TimeSpan overlap)
    {
        ArgumentNullException.ThrowIfNull(window);
        return window.Watermark is { } w && w - overlap > WindowStart ? w - overlap : WindowStart;
    }

    /// <summary>What the caller runs once the snapshot has been used: every window and the cache saved.</summary>
    public Action Commit() => () =>
    {
        foreach (var commit in _commits)
        {
            commit();
        }

        _cache.Save();
    };

    public void Dispose() => Http.Dispose();
}
