using System.Buffers.Text;
using System.Text.Json;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Aws;

/// <summary>
/// Reads a CloudTrail record as S3 delivers it straight from the bytes into <see cref="CloudTrailFields"/>: property
/// names matched on UTF-8, only the fields an event needs, repeated strings shared, no document. Anything it does not
/// take on — a wrapper (EventBridge, LookupEvents), lower-cased keys, a field of an unexpected kind, text that is not
/// valid UTF-8, a record without eventName or a readable eventTime — it declines, and the record is read by
/// <see cref="CloudTrailRecordMapper"/> exactly as before, with the same tolerance and the same skip reasons.
/// </summary>
internal static class CloudTrailRecordReader
{
    /// <summary>Records this thread read straight from their bytes (tests and the benchmark check the fast path is taken).</summary>
    [ThreadStatic]
    internal static long t_direct;

    public static DirectParse Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> data, string fallbackAccount, string display, long index, out ActivityEvent? item)
    {
        item = null;
        var pool = Utf8StringPool.ForThisThread;
        var f = default(CloudTrailFields);
        string? eventName = null;
        string? time = null;
        string? timestamp = null;
        DateTimeOffset? parsed = null;
        Range request = default;
        Range response = default;
        Range additional = default;
        Range resources = default;

        while (true)
        {
            var step = NextMember(ref reader, out var at);
            if (step == Walk.End)
            {
                break;
            }

            if (step != Walk.Member)
            {
                return Outcome(step);
            }

            var name = data[at];
            var outcome = DirectParse.Mapped;
            switch (name.Length)
            {
                case 9 when name.SequenceEqual("eventTime"u8):
                    if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && TryParseUtcSeconds(reader.ValueSpan, out var t))
                    {
                        parsed = t;
                        time = "";
                    }
                    else
                    {
                        parsed = null;
                        outcome = Text(ref reader, pool, ref time);
                    }

                    break;
                case 10 when name.SequenceEqual("@timestamp"u8):
                    outcome = Text(ref reader, pool, ref timestamp);
                    break;
                case 9 when name.SequenceEqual("eventName"u8):
                    outcome = Text(ref reader, pool, ref eventName);
                    break;
                case 11 when name.SequenceEqual("eventSource"u8):
                    outcome = Text(ref reader, pool, ref f.EventSource);
                    break;
                case 9 when name.SequenceEqual("awsRegion"u8):
                    outcome = Text(ref reader, pool, ref f.Region);
                    break;
                case 7 when name.SequenceEqual("eventID"u8):
                    outcome = Text(ref reader, null, ref f.EventId);
                    break;
                case 18 when name.SequenceEqual("recipientAccountId"u8):
                    outcome = Text(ref reader, pool, ref f.RecipientAccountId);
                    break;
                case 9 when name.SequenceEqual("userAgent"u8):
                    outcome = Text(ref reader, pool, ref f.UserAgent);
                    break;
                case 15 when name.SequenceEqual("sourceIPAddress"u8):
                    outcome = Text(ref reader, pool, ref f.SourceIp);
                    break;
                case 9 when name.SequenceEqual("errorCode"u8):
                    outcome = Text(ref reader, pool, ref f.ErrorCode);
                    break;
                case 12 when name.SequenceEqual("errorMessage"u8):
                    outcome = Text(ref reader, null, ref f.ErrorMessage);
                    break;
                case 13 when name.SequenceEqual("eventCategory"u8):
                    outcome = Text(ref reader, pool, ref f.EventCategory);
                    break;
                case 28 when name.SequenceEqual("sessionCredentialFromConsole"u8):
                    outcome = Text(ref reader, pool, ref f.SessionCredentialFromConsole);
                    break;
                case 8 when name.SequenceEqual("readOnly"u8):
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.True: f.ReadOnly = true; break;
                        case JsonTokenType.False: f.ReadOnly = false; break;
                        case JsonTokenType.Null: f.ReadOnly = null; break;
                        default: outcome = DirectParse.Fallback; break;
                    }

                    break;
                case 12 when name.SequenceEqual("userIdentity"u8):
                    outcome = Identity(ref reader, data, pool, ref f, Within.UserIdentity);
                    break;
                case 17 when name.SequenceEqual("requestParameters"u8):
                    outcome = Slice(ref reader, JsonTokenType.StartObject, out request);
                    break;
                case 16 when name.SequenceEqual("responseElements"u8):
                    outcome = Slice(ref reader, JsonTokenType.StartObject, out response);
                    break;
                case 19 when name.SequenceEqual("additionalEventData"u8):
                    outcome = Slice(ref reader, JsonTokenType.StartObject, out additional);
                    break;
                case 9 when name.SequenceEqual("resources"u8):
                    outcome = Slice(ref reader, JsonTokenType.StartArray, out resources);
                    break;
                case 6 when name.SequenceEqual("detail"u8):
                case 11 when name.SequenceEqual("detail-type"u8):
                case 15 when name.SequenceEqual("CloudTrailEvent"u8):
                    return DirectParse.Fallback;
                default:
                    outcome = Skip(ref reader);
                    break;
            }

            if (outcome != DirectParse.Mapped)
            {
                return outcome;
            }
        }

        // eventTime wins over @timestamp when present; a record without a readable time or a name is the general
        // reader's to explain.
        if (eventName is null)
        {
            return DirectParse.Fallback;
        }

        f.Name = eventName;

        if (parsed is { } fast)
        {
            f.Time = fast;
        }
        else if (Json.ParseTime(time ?? timestamp) is { } slow)
        {
            f.Time = slow;
        }
        else
        {
            return DirectParse.Fallback;
        }

        if (!Nested(data[response], data[additional], data[resources], data[request], pool, ref f))
        {
            return DirectParse.Fallback;
        }

        item = CloudTrailRecordMapper.Build(f, fallbackAccount, new SourceLocation(display, index));
        t_direct++;
        return DirectParse.Mapped;
    }

    /// <summary>A string (or null) property; anything else is declined.</summary>
    private static DirectParse Text(ref Utf8JsonReader reader, Utf8StringPool? pool, ref string? field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                field = null;
                return DirectParse.Mapped;
            case JsonTokenType.String:
                field = Json.TextOrNull(ref reader, pool);
                return field is null ? DirectParse.Fallback : DirectParse.Mapped;
            default:
                return DirectParse.Fallback;
        }
    }

    /// <summary>The raw bytes of an object or array value (empty for null); another kind is declined.</summary>
    private static DirectParse Slice(ref Utf8JsonReader reader, JsonTokenType expected, out Range slice)
    {
        slice = default;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return DirectParse.Mapped;
        }

        if (reader.TokenType != expected)
        {
            return DirectParse.Fallback;
        }

        var start = (int)reader.TokenStartIndex;
        if (!reader.TrySkip())
        {
            return DirectParse.NeedMoreData;
        }

        slice = start..(int)reader.BytesConsumed;
        return DirectParse.Mapped;
    }

    /// <summary>The objects of a record whose members are read as the walk meets them.</summary>
    private enum Within
    {
        UserIdentity,
        SessionContext,
        SessionIssuer,
        Attributes,
    }

    /// <summary>
    /// Walks userIdentity and the objects inside it, taking the members an event needs. What an object sets is reset
    /// when it starts (a repeated or null object leaves what a document's last property would).
    /// </summary>
    private static DirectParse Identity(ref Utf8JsonReader reader, ReadOnlySpan<byte> data, Utf8StringPool pool, ref CloudTrailFields f, Within within)
    {
        if (within is Within.SessionContext or Within.SessionIssuer)
        {
            f.IssuerArn = null;
        }

        if (within is Within.SessionContext or Within.Attributes)
        {
            f.MfaAuthenticated = null;
        }

        if (Open(ref reader) is { } early)
        {
            return early;
        }

        while (true)
        {
            var step = NextMember(ref reader, out var at);
            if (step != Walk.Member)
            {
                return Outcome(step);
            }

            var outcome = IdentityMember(ref reader, data, data[at], pool, ref f, within);
            if (outcome != DirectParse.Mapped)
            {
                return outcome;
            }
        }
    }

    private static DirectParse IdentityMember(ref Utf8JsonReader reader, ReadOnlySpan<byte> data, ReadOnlySpan<byte> name, Utf8StringPool pool, ref CloudTrailFields f, Within within) => within switch
    {
        Within.UserIdentity => name switch
        {
            _ when name.SequenceEqual("type"u8) => Text(ref reader, pool, ref f.IdentityType),
            _ when name.SequenceEqual("arn"u8) => Text(ref reader, pool, ref f.IdentityArn),
            _ when name.SequenceEqual("accountId"u8) => Text(ref reader, pool, ref f.IdentityAccountId),
            _ when name.SequenceEqual("principalId"u8) => Text(ref reader, pool, ref f.PrincipalId),
            _ when name.SequenceEqual("userName"u8) => Text(ref reader, pool, ref f.UserName),
            _ when name.SequenceEqual("accessKeyId"u8) => Text(ref reader, pool, ref f.AccessKeyId),
            _ when name.SequenceEqual("invokedBy"u8) => Text(ref reader, pool, ref f.InvokedBy),
            _ when name.SequenceEqual("identityProvider"u8) => Text(ref reader, pool, ref f.IdentityProvider),
            _ when name.SequenceEqual("sessionContext"u8) => Identity(ref reader, data, pool, ref f, Within.SessionContext),
            _ => Skip(ref reader),
        },
        Within.SessionContext => name switch
        {
            _ when name.SequenceEqual("sessionIssuer"u8) => Identity(ref reader, data, pool, ref f, Within.SessionIssuer),
            _ when name.SequenceEqual("attributes"u8) => Identity(ref reader, data, pool, ref f, Within.Attributes),
            _ => Skip(ref reader),
        },
        Within.SessionIssuer => name.SequenceEqual("arn"u8) ? Text(ref reader, pool, ref f.IssuerArn) : Skip(ref reader),
        _ => name.SequenceEqual("mfaAuthenticated"u8) ? Text(ref reader, pool, ref f.MfaAuthenticated) : Skip(ref reader),
    };

    /// <summary>Where a walk over an object's members stands.</summary>
    private enum Walk
    {
        Member,
        End,
        NeedMoreData,
        Fallback,
    }

    /// <summary>
    /// Moves to the next member of the object being walked, leaving the reader on its value and <paramref name="at"/>
    /// on its name in the data (names are compared as bytes; an escaped one is declined).
    /// </summary>
    private static Walk NextMember(ref Utf8JsonReader reader, out Range at)
    {
        at = default;
        if (!reader.Read())
        {
            return Walk.NeedMoreData;
        }

        if (reader.TokenType == JsonTokenType.EndObject)
        {
            return Walk.End;
        }

        if (reader.ValueIsEscaped)
        {
            return Walk.Fallback;
        }

        // The name's bytes follow its opening quote.
        var start = (int)reader.TokenStartIndex + 1;
        at = start..(start + reader.ValueSpan.Length);
        return reader.Read() ? Walk.Member : Walk.NeedMoreData;
    }

    private static DirectParse Outcome(Walk step) => step switch
    {
        Walk.End => DirectParse.Mapped,
        Walk.NeedMoreData => DirectParse.NeedMoreData,
        _ => DirectParse.Fallback,
    };

    /// <summary>An object value to walk (null), or what to answer at once: nothing to read for null, decline another kind.</summary>
    private static DirectParse? Open(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.StartObject => null,
        JsonTokenType.Null => DirectParse.Mapped,
        _ => DirectParse.Fallback,
    };

    private static DirectParse Skip(ref Utf8JsonReader reader) => reader.TrySkip() ? DirectParse.Mapped : DirectParse.NeedMoreData;

    /// <summary>
    /// The fields inside the objects kept as bytes, read once the record is complete (the outcome field is named by
    /// eventName, which a record may carry after responseElements). False declines the record.
    /// </summary>
    private static bool Nested(ReadOnlySpan<byte> response, ReadOnlySpan<byte> additional, ReadOnlySpan<byte> resources, ReadOnlySpan<byte> request, Utf8StringPool pool, ref CloudTrailFields f)
    {
        var assumes = f.Name.StartsWith("AssumeRole", StringComparison.Ordinal);
        var web = f.Name == "AssumeRoleWithWebIdentity";
        if (!web)
        {
            f.IdentityProvider = null;
        }

        // The outcome is looked up by the event's name: compared as ASCII, which every CloudTrail event name is.
        if (!response.IsEmpty && System.Text.Ascii.IsValid(f.Name))
        {
            var reader = new Utf8JsonReader(response);
            reader.Read();
            Walk step;
            while ((step = NextMember(ref reader, out var at)) == Walk.Member)
            {
                var key = response[at];
                if (System.Text.Ascii.Equals(key, f.Name))
                {
                    if (!Scalar(ref reader, pool, out f.Outcome))
                    {
                        return false;
                    }
                }
                else if (assumes && key.SequenceEqual("credentials"u8))
                {
                    f.IssuedAccessKeyId = null;
                    if (!ObjectMember(ref reader, response, "accessKeyId"u8, pool, out f.IssuedAccessKeyId))
                    {
                        return false;
                    }
                }
                else if (web && key.SequenceEqual("subjectFromWebIdentityToken"u8))
                {
                    if (!Scalar(ref reader, pool, out f.WebIdentitySubject))
                    {
                        return false;
                    }
                }
                else if (web && key.SequenceEqual("provider"u8))
                {
                    if (!Scalar(ref reader, pool, out f.WebIdentityProvider))
                    {
                        return false;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            if (step != Walk.End)
            {
                return false;
            }
        }
        else if (!response.IsEmpty)
        {
            return false;
        }

        if (!additional.IsEmpty)
        {
            var reader = new Utf8JsonReader(additional);
            reader.Read();
            if (!ObjectMember(ref reader, additional, "MFAUsed"u8, pool, out f.MfaUsed))
            {
                return false;
            }
        }

        if (!resources.IsEmpty && !FirstResourceArn(resources, pool, ref f.Resource))
        {
            return false;
        }

        if (!request.IsEmpty)
        {
            if (!RequestFields(request, pool, ref f))
            {
                return false;
            }

            f.Parameters = RequestParameters.FromUtf8(request);
        }
        else
        {
            f.Parameters = RequestParameters.None;
        }

        return true;
    }

    // resources[].ARN (or .arn): the first entry that names one.
    private static bool FirstResourceArn(ReadOnlySpan<byte> resources, Utf8StringPool pool, ref string? resource)
    {
        var reader = new Utf8JsonReader(resources);
        reader.Read();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            // As a document reads it: ARN when present and not null (even if it is not text), otherwise arn.
            string? upper = null;
            string? lower = null;
            var hasUpper = false;
            Walk step;
            while ((step = NextMember(ref reader, out var at)) == Walk.Member)
            {
                var key = resources[at];
                var isUpper = key.SequenceEqual("ARN"u8);
                var isLower = key.SequenceEqual("arn"u8);
                if (isUpper)
                {
                    hasUpper = reader.TokenType != JsonTokenType.Null;
                }

                if (isUpper || isLower)
                {
                    if (!Scalar(ref reader, pool, out var value))
                    {
                        return false;
                    }

                    if (isUpper)
                    {
                        upper = value;
                    }
                    else
                    {
                        lower = value;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            if (step != Walk.End)
            {
                return false;
            }

            if ((hasUpper ? upper : lower) is { } arn)
            {
                resource = arn;
                return true;
            }
        }

        return true;
    }

    // requestParameters' roleArn, roleSessionName, durationSeconds and the first resource-naming key (when the
    // resources list named none).
    private static bool RequestFields(ReadOnlySpan<byte> request, Utf8StringPool pool, ref CloudTrailFields f)
    {
        var keys = CloudTrailRecordMapper.ResourceKeys;
        var found = keys.Length;
        string? resource = null;
        var reader = new Utf8JsonReader(request);
        reader.Read();
        Walk step;
        while ((step = NextMember(ref reader, out var at)) == Walk.Member)
        {
            var key = request[at];
            bool ok;
            if (key.SequenceEqual("roleArn"u8))
            {
                ok = Scalar(ref reader, pool, out f.RoleArn);
            }
            else if (key.SequenceEqual("roleSessionName"u8))
            {
                ok = Scalar(ref reader, pool, out f.RoleSessionName);
            }
            else if (key.SequenceEqual("durationSeconds"u8))
            {
                ok = Scalar(ref reader, pool, out f.DurationSeconds);
            }
            else if (f.Resource is null)
            {
                ok = Candidate(ref reader, key, keys, pool, ref found, ref resource);
            }
            else
            {
                reader.Skip();
                ok = true;
            }

            if (!ok)
            {
                return false;
            }
        }

        if (step != Walk.End)
        {
            return false;
        }

        f.Resource ??= resource;
        return true;
    }

    // A resource-naming key: kept when it comes earlier in the list than the one found so far. A repeated key's last
    // value wins, as in a document; a later null hides it.
    private static bool Candidate(ref Utf8JsonReader reader, ReadOnlySpan<byte> key, string[] keys, Utf8StringPool pool, ref int found, ref string? resource)
    {
        var rank = -1;
        for (var i = 0; i < keys.Length; i++)
        {
            if (key.Length == keys[i].Length && System.Text.Ascii.Equals(key, keys[i]))
            {
                rank = i;
                break;
            }
        }

        if (rank < 0 || rank > found)
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }

            return true;
        }

        if (!Scalar(ref reader, pool, out var value))
        {
            return false;
        }

        if (rank == found || value is not null)
        {
            found = value is null ? keys.Length : rank;
            resource = value;
        }

        return true;
    }

    /// <summary>
    /// A value as the document reader's Str gives it: text for a string, the literal for a number or boolean, null for
    /// null, an object or an array (skipped). False for text that is not valid UTF-8.
    /// </summary>
    private static bool Scalar(ref Utf8JsonReader reader, Utf8StringPool pool, out string? value)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                value = Json.TextOrNull(ref reader, pool);
                return value is not null;
            case JsonTokenType.Number:
                value = pool.Get(reader.ValueSpan);
                return true;
            case JsonTokenType.True:
                value = "true";
                return true;
            case JsonTokenType.False:
                value = "false";
                return true;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                reader.Skip();
                value = null;
                return true;
            default:
                value = null;
                return true;
        }
    }

    // One member of an object value as Str reads it (null when the value is not an object); data is what the reader reads.
    private static bool ObjectMember(ref Utf8JsonReader reader, ReadOnlySpan<byte> data, ReadOnlySpan<byte> wanted, Utf8StringPool pool, out string? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                reader.Skip();
            }

            return true;
        }

        Walk step;
        while ((step = NextMember(ref reader, out var at)) == Walk.Member)
        {
            if (!data[at].SequenceEqual(wanted))
            {
                reader.Skip();
            }
            else if (!Scalar(ref reader, pool, out value))
            {
                return false;
            }
        }

        return step == Walk.End;
    }

    /// <summary>"2026-11-20T10:00:00Z", the form CloudTrail writes, without a string; anything else goes the general way.</summary>
    private static bool TryParseUtcSeconds(ReadOnlySpan<byte> s, out DateTimeOffset time)
    {
        time = default;
        if (s.Length != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z'
            || !Utf8Parser.TryParse(s[..4], out int year, out var a) || a != 4
            || !Utf8Parser.TryParse(s[5..7], out int month, out a) || a != 2
            || !Utf8Parser.TryParse(s[8..10], out int day, out a) || a != 2
            || !Utf8Parser.TryParse(s[11..13], out int hour, out a) || a != 2
            || !Utf8Parser.TryParse(s[14..16], out int minute, out a) || a != 2
            || !Utf8Parser.TryParse(s[17..19], out int second, out a) || a != 2
            || year < Json.EarliestTime.Year || year >= Json.LatestTime.Year
            || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        time = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }
}
