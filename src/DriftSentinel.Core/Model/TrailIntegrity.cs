namespace DriftSentinel.Core.Model;

/// <summary>What is wrong with a trail's integrity evidence.</summary>
public enum IntegrityProblemKind
{
    /// <summary>A log file a valid digest lists is not in the snapshot.</summary>
    LogFileMissing,

    /// <summary>A log file's content does not hash to what its digest recorded.</summary>
    LogFileAltered,

    /// <summary>Data follows the log file's gzip member (CloudTrail writes exactly one).</summary>
    LogFileTrailingData,

    /// <summary>A log file delivered within the digests' period that no digest lists.</summary>
    LogFileUnlisted,

    /// <summary>A digest whose signature does not verify with CloudTrail's public key.</summary>
    DigestSignatureInvalid,

    /// <summary>A digest signed with a key the snapshot's public keys do not hold.</summary>
    DigestKeyUnknown,

    /// <summary>A digest not at the key it names (moved or renamed after delivery).</summary>
    DigestMoved,

    /// <summary>A digest whose previous-digest hash or signature does not match the digest before it.</summary>
    ChainBroken,

    /// <summary>A digest that starts a new chain (no previous signature) after an earlier one: validation was off or the trail restarted.</summary>
    ChainRestarted,

    /// <summary>No digest covers a period between two digests (deleted, or validation disabled meanwhile).</summary>
    DigestMissing,

    /// <summary>A digest or log file that cannot be read.</summary>
    Unreadable,
}

/// <summary>One finding of the integrity check, naming the file and what was expected.</summary>
public sealed record IntegrityProblem(IntegrityProblemKind Kind, string File, string Detail, DateTimeOffset? Time);

/// <summary>
/// The integrity of one account's delivered trail: what the digests prove, what they contradict, and what cannot be
/// proven. <see cref="Verifiable"/> is false when log files are present but no digest (or no signature or key) could
/// vouch for them — never a silent pass.
/// </summary>
public sealed record TrailIntegrity(
    string Account,
    int Digests,
    int DigestsVerified,
    int LogFilesListed,
    int LogFilesVerified,
    int LogFilesPresent,
    IReadOnlyList<IntegrityProblem> Problems,
    IReadOnlyList<string> NotVerifiable,
    DateTimeOffset? From,
    DateTimeOffset? To)
{
    public bool Verifiable => NotVerifiable.Count == 0;

    /// <summary>Writes the record into a partial scan state (a worker's scope job validated the trail).</summary>
    public void Write(Engine.PartialStateWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.Write(Account);
        w.Write(Digests);
        w.Write(DigestsVerified);
        w.Write(LogFilesListed);
        w.Write(LogFilesVerified);
        w.Write(LogFilesPresent);
        w.WriteAll(Problems, static (w, p) =>
        {
            w.Write((int)p.Kind);
            w.Write(p.File);
            w.Write(p.Detail);
            w.Write(p.Time);
        });
        w.WriteAll(NotVerifiable, static (w, x) => w.Write(x));
        w.Write(From);
        w.Write(To);
    }

    public static TrailIntegrity Read(Engine.PartialStateReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(),
            r.ReadAll(static r => new IntegrityProblem((IntegrityProblemKind)r.ReadInt32(), r.ReadString(), r.ReadString(), r.ReadNullableTime())),
            r.ReadAll(static r => r.ReadString()), r.ReadNullableTime(), r.ReadNullableTime());
    }
}
