using DriftSentinel.Core.Access;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Tests.Core;

/// <summary>The index is fed case-sensitively on the hot path and asked case-insensitively, as the inventory spells names its own way.</summary>
public class ActivityIndexTests
{
    private static ActivityEvent Event(string actor, string time, long order, string? objectId = null, Cloud cloud = Cloud.Aws) => new()
    {
        Cloud = cloud,
        EventId = $"e{order}",
        Time = DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture),
        AccountId = "111122223333",
        Service = "s3.amazonaws.com",
        Action = "GetObject",
        Actor = new Actor { Type = "IAMUser", Id = actor, ObjectId = objectId },
        Source = new SourceLocation("f", order),
        ReadOrder = order,
    };

    [Fact]
    public void Finds_the_latest_use_of_an_identity_whatever_case_the_trail_and_the_question_use()
    {
        var index = new ActivityIndex();
        index.Observe(Event("arn:aws:iam::111122223333:user/Alice", "2026-11-01T00:00:00Z", 1));
        index.Observe(Event("arn:aws:iam::111122223333:user/alice", "2026-11-05T00:00:00Z", 2));
        index.Observe(Event("arn:aws:iam::111122223333:user/ALICE", "2026-11-03T00:00:00Z", 3));

        Assert.Equal(DateTimeOffset.Parse("2026-11-05T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), index.LastSeen("ARN:AWS:IAM::111122223333:USER/ALICE")!.Value.Time);
        Assert.Null(index.LastSeen("arn:aws:iam::111122223333:user/bob"));
    }

    [Fact]
    public void Two_halves_of_a_trail_merge_into_what_one_index_would_hold()
    {
        var events = new[]
        {
            Event("u1", "2026-11-01T00:00:00Z", 1, "OID-1", Cloud.Entra),
            Event("U1-renamed", "2026-11-02T00:00:00Z", 2, "oid-1", Cloud.Entra),
            Event("u2", "2026-11-02T00:00:00Z", 3),
            Event("u2", "2026-11-02T00:00:00Z", 4),
        };
        var whole = new ActivityIndex();
        Array.ForEach(events, whole.Observe);
        var first = new ActivityIndex();
        var second = new ActivityIndex();
        first.Observe(events[1]);
        first.Observe(events[3]);
        second.Observe(events[0]);
        second.Observe(events[2]);
        second.Merge(first);

        Assert.Equal(whole.NameOf("oid-1"), second.NameOf("OID-1"));
        Assert.Equal("u1", second.NameOf("oid-1"));
        Assert.Equal(whole.LastSeen("u2"), second.LastSeen("U2"));
        Assert.Equal(whole.Span("cloudtrail", "111122223333"), second.Span("cloudtrail", "111122223333"));
    }
}
