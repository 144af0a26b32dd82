using System.Net;

namespace DriftSentinel.Aws.Collection.Http;

/// <summary>An error a service returned: its code (e.g. AccessDenied, Throttling), HTTP status and message.</summary>
internal sealed class AwsServiceException(string service, string errorCode, HttpStatusCode status, string message, string? requestId = null, TimeSpan? retryAfter = null)
    : Exception($"{service}: {errorCode} (HTTP {(int)status}): {message}")
{
    public string Service { get; } = service;
    public string ErrorCode { get; } = errorCode;
    public HttpStatusCode Status { get; } = status;
    public string? RequestId { get; } = requestId;

    /// <summary>The service's own message, without the code and status prefix.</summary>
    public string ServiceMessage { get; } = message;

    /// <summary>The wait the service asked for with Retry-After, if it sent one.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
