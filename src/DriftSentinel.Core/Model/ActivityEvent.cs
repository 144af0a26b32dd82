namespace DriftSentinel.Core.Model;

/// <summary>Where a record was read from, precise enough for a person to find it again.</summary>
public sealed record SourceLocation
{
    private readonly string? _position;
    private readonly long _record;

    /// <param name="File">Path relative to the snapshot root.</param>
    /// <param name="Position">Record index, line or byte offset within the file.</param>
    public SourceLocation(string File, string Position)
    {
        this.File = File;
        _position = Position;
    }

    /// <summary>The <paramref name="record"/>-th record of a file: "record N", written out only when asked (a trail has millions).</summary>
    public SourceLocation(string file, long record)
    {
        File = file;
        _record = record;
    }

    /// <summary>Path relative to the snapshot root.</summary>
    public string File { get; }

    /// <summary>The record index when the location was made from one (the position is then written on demand).</summary>
    public long? Record => _position is null ? _record : null;

    /// <summary>Record index, line or byte offset within the file.</summary>
    public string Position => _position ?? $"record {_record}";

    public override string ToString() => $"{File}#{Position}";

    public bool Equals(SourceLocation? other) => other is not null && File == other.File && Position == other.Position;

    public override int GetHashCode() => HashCode.Combine(File, Position);
}

/// <summary>The identity that performed an audited action, normalised across CloudTrail, Activity Log and sign-ins.</summary>
public sealed record Actor
{
    /// <summary>CloudTrail userIdentity.type (Root, IAMUser, AssumedRole, ...), or User / ServicePrincipal on Azure.</summary>
    public required string Type { get; init; }

    /// <summary>ARN, user principal name or object id.</summary>
    public required string Id { get; init; }

    /// <summary>Account the identity belongs to (AWS), if known.</summary>
    public string? AccountId { get; init; }

    /// <summary>For an assumed role, the role ARN behind the session.</summary>
    public string? IssuerArn { get; init; }

    public string? SessionName { get; init; }

    public string? AccessKeyId { get; init; }

    /// <summary>
    /// Azure: the access token's unique identifier (the Activity Log's <c>uti</c> claim), which the service-principal
    /// sign-in that issued the token records as <c>uniqueTokenIdentifier</c> — the Azure analogue of a session key.
    /// </summary>
    public string? TokenId { get; init; }

    public bool? MfaAuthenticated { get; init; }

    public string? DisplayName { get; init; }

    /// <summary>Entra object id (sign-in userId, Activity Log objectidentifier claim): what role assignments name.</summary>
    public string? ObjectId { get; init; }

    /// <summary>What the source itself says about the identity (userIdentity.type, idtyp claim).</summary>
    public PrincipalKind Kind { get; init; }

    /// <summary>The identity rules compare against the baseline: the role ARN for role sessions, otherwise <see cref="Id"/>.</summary>
    public string EffectiveId => IssuerArn ?? Id;
}

/// <summary>One audited action or sign-in, normalised. Streamed: rules see each once and keep only what they need.</summary>
public sealed record ActivityEvent
{
    public required Cloud Cloud { get; init; }

    public required string EventId { get; init; }

    public required DateTimeOffset Time { get; init; }

    /// <summary>AWS account (recipientAccountId) or Azure subscription id; the tenant id for sign-ins.</summary>
    public required string AccountId { get; init; }

    public string? Region { get; init; }

    /// <summary>eventSource (AWS) or resource provider (Azure).</summary>
    public required string Service { get; init; }

    /// <summary>eventName (AWS) or operation name (Azure, e.g. Microsoft.Web/sites/write).</summary>
    public required string Action { get; init; }

    public required Actor Actor { get; init; }

    public bool? ReadOnly { get; init; }

    public bool Succeeded { get; init; } = true;

    public string? ErrorCode { get; init; }

    public string? Resource { get; init; }

    /// <summary>Azure Activity Log category, "SignIn" for Entra sign-ins, "Management"/"Data" for CloudTrail.</summary>
    public string? Category { get; init; }

    /// <summary>ConsoleLogin outcome (Success/Failure).</summary>
    public string? LoginResult { get; init; }

    /// <summary>MFA used for a console login or an Entra sign-in.</summary>
    public bool? MfaUsed { get; init; }

    public bool? Interactive { get; init; }

    /// <summary>AssumeRole*: the role assumed (requestParameters.roleArn).</summary>
    public string? TargetRoleArn { get; init; }

    /// <summary>AssumeRole*: requestParameters.roleSessionName.</summary>
    public string? TargetSessionName { get; init; }

    /// <summary>AssumeRole*: requestParameters.durationSeconds.</summary>
    public int? RequestedDurationSeconds { get; init; }

    public string? UserAgent { get; init; }

    public string? SourceIp { get; init; }

    /// <summary>Application used (Entra sign-ins).</summary>
    public string? Application { get; init; }

    /// <summary>The temporary access key an AssumeRole* call issued (responseElements.credentials.accessKeyId): what the session's own events carry.</summary>
    public string? IssuedAccessKeyId { get; init; }

    /// <summary>For AssumeRoleWithWebIdentity (or a federated service-principal sign-in): the token's subject (repo:o/r:environment:prod, project_path:g/p:…) and its identity provider.</summary>
    public string? WebIdentitySubject { get; init; }

    public string? WebIdentityProvider { get; init; }

    /// <summary>
    /// The request's parameters as the source recorded them (CloudTrail <c>requestParameters</c>, the Activity Log's
    /// <c>properties</c>): top-level names to scalar text or compact JSON, bounded (<see cref="RequestParameters"/>) so
    /// a rule can read a field without a change to this model. Raw input: a finding that shows one goes through
    /// <c>Redaction</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = RequestParameters.None;

    public required SourceLocation Source { get; init; }

    /// <summary>
    /// Where the event stands in the scan's canonical read order (stream, file, record), set by the engine as it
    /// reads. Rules that keep "the first" or "the last" of something decide by it, never by arrival, so a scan read on
    /// several threads in any file order keeps exactly what a one-thread read keeps.
    /// </summary>
    public long ReadOrder { get; internal set; }
}
