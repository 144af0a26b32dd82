using System.Net;
using Amazon.Runtime;
using DriftSentinel.Core.Collection;

namespace DriftSentinel.Aws.Collection.Http;

/// <summary>How hard to retry: attempts per call, backoff bounds and the budget of retries for a whole collection.</summary>
public sealed record RetrySettings
{
    public int MaxAttempts { get; init; } = 6;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Retries allowed across the whole collection; once spent, errors surface at once as coverage gaps.</summary>
    public int Budget { get; init; } = 2000;
}

/// <summary>
/// Retries throttling and transient faults with full-jitter exponential backoff, honouring Retry-After, within a
/// shared retry budget so a service that is down cannot stretch a scan indefinitely.
/// </summary>
internal sealed class AwsRetryPolicy(RetrySettings settings, CollectionMetrics metrics, TimeProvider clock)
{
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "RequestLimitExceeded",
        "TooManyRequestsException", "SlowDown", "RequestThrottled", "ProvisionedThroughputExceededException",
        "BandwidthLimitExceeded", "EC2ThrottledException", "PriorRequestNotComplete",
    };

    private static readonly HashSet<string> TransientCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "InternalError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException", "RequestTimeout",
        "RequestTimeoutException", "IDPCommunicationError",
    };

    private int _budget = settings.Budget;

    public RetrySettings Settings => settings;

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        for (var n = 1; ; n++)
        {
            metrics.CountRequest();
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (n < settings.MaxAttempts && Classify(e, cancellationToken) is var kind && kind != FaultKind.Permanent && TakeFromBudget())
            {
                if (kind == FaultKind.Throttled)
                {
                    metrics.CountThrottle();
                }
                else
                {
                    metrics.CountTransient();
                }

                var ceiling = Math.Min(settings.MaxDelay.TotalMilliseconds, settings.BaseDelay.TotalMilliseconds * Math.Pow(2, n - 1));
#pragma warning disable CA5394 // jitter, not security
                var delay = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
#pragma warning restore CA5394
                if (RetryAfterOf(e) is { } asked && asked > delay)
                {
                    delay = asked < settings.MaxDelay ? asked : settings.MaxDelay;
                }

                metrics.AddWaited(delay);
                await Task.Delay(delay, clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private bool TakeFromBudget() => Interlocked.Decrement(ref _budget) >= 0;

    /// <summary>Whether an error is throttling, a transient fault worth retrying, or permanent.</summary>
    public static FaultKind Classify(Exception e, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case AwsServiceException a:
                return ClassifyCode(a.ErrorCode, a.Status);
            case AmazonServiceException s:
                return ClassifyCode(s.ErrorCode ?? string.Empty, s.StatusCode);
            case HttpRequestException:
            case IOException:
                return FaultKind.Transient;
            case OperationCanceledException when !cancellationToken.IsCancellationRequested:
                return FaultKind.Transient; // an HttpClient timeout, not our cancellation
            default:
                return FaultKind.Permanent;
        }
    }

    private static FaultKind ClassifyCode(string code, HttpStatusCode status)
    {
        if (ThrottlingCodes.Contains(code) || status == HttpStatusCode.TooManyRequests)
        {
            return FaultKind.Throttled;
        }

        if (TransientCodes.Contains(code) || (int)status >= 500)
        {
            return status == HttpStatusCode.ServiceUnavailable ? FaultKind.Throttled : FaultKind.Transient;
        }

        return FaultKind.Permanent;
    }

    private static TimeSpan? RetryAfterOf(Exception e) => e is AwsServiceException { RetryAfter: { } after } ? after : null;
}

/// <summary>How a failed call should be treated.</summary>
internal enum FaultKind
{
    Permanent,
    Transient,
    Throttled,
}
