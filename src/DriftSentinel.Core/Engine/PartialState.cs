using System.IO.Compression;
using System.Text;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Engine;

/// <summary>
/// Writes what the rules observed in part of a scan (a worker's scope) so another process can merge it: a compact
/// binary stream, compressed, in which each distinct string is written once (account ids, ARNs, actions repeat across
/// thousands of findings). Only the engine and the rules write it; the format carries a version and is read back only
/// by the same build (a worker of another build evaluates the scope itself).
/// </summary>
public sealed class PartialStateWriter : IDisposable
{
    private readonly BinaryWriter _out;
    private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal);

    internal PartialStateWriter(Stream destination)
    {
        _out = new BinaryWriter(new BrotliStream(destination, CompressionLevel.Fastest, leaveOpen: true), Encoding.UTF8, leaveOpen: false);
    }

    public void Write(long value) => _out.Write7BitEncodedInt64(value);

    public void Write(int value) => _out.Write7BitEncodedInt(value);

    public void Write(bool value) => _out.Write(value);

    /// <summary>A read order (<see cref="ActivityEvent.ReadOrder"/>): written as it is, renumbered when read into the whole scan.</summary>
    public void WriteOrder(long order) => _out.Write(order);

    public void Write(int? value)
    {
        _out.Write(value.HasValue);
        if (value is { } v)
        {
            _out.Write7BitEncodedInt(v);
        }
    }

    public void Write(bool? value) => _out.Write((byte)(value is null ? 0 : value.Value ? 2 : 1));

    public void Write(string? value)
    {
        if (value is null)
        {
            _out.Write7BitEncodedInt(0);
        }
        else if (_strings.TryGetValue(value, out var index))
        {
            _out.Write7BitEncodedInt(index + 2);
        }
        else
        {
            _out.Write7BitEncodedInt(1);
            _out.Write(value);
            _strings[value] = _strings.Count;
        }
    }

    public void Write(DateTimeOffset value)
    {
        _out.Write(value.UtcTicks);
        _out.Write((short)value.Offset.TotalMinutes);
    }

    public void Write(DateTimeOffset? value)
    {
        _out.Write(value.HasValue);
        if (value is { } v)
        {
            Write(v);
        }
    }

    /// <summary>A count followed by each item.</summary>
    public void WriteAll<T>(IReadOnlyCollection<T> items, Action<PartialStateWriter, T> write)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(write);
        Write(items.Count);
        foreach (var item in items)
        {
            write(this, item);
        }
    }

    public void Write(SourceLocation source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Write(source.File);
        Write(source.Record is null ? source.Position : null);
        Write(source.Record ?? 0);
    }

    /// <summary>A whole event (DS-DEP-001 keeps production changes whose session another scope may explain).</summary>
    public void Write(ActivityEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Write((int)e.Cloud);
        Write(e.EventId);
        Write(e.Time);
        Write(e.AccountId);
        Write(e.Region);
        Write(e.Service);
        Write(e.Action);
        var a = e.Actor;
        Write(a.Type);
        Write(a.Id);
        Write(a.AccountId);
        Write(a.IssuerArn);
        Write(a.SessionName);
        Write(a.AccessKeyId);
        Write(a.TokenId);
        Write(a.MfaAuthenticated);
        Write(a.DisplayName);
        Write(a.ObjectId);
        Write((int)a.Kind);
        Write(e.ReadOnly);
        Write(e.Succeeded);
        Write(e.ErrorCode);
        Write(e.Resource);
        Write(e.Category);
        Write(e.LoginResult);
        Write(e.MfaUsed);
        Write(e.Interactive);
        Write(e.TargetRoleArn);
        Write(e.TargetSessionName);
        Write(e.RequestedDurationSeconds);
        Write(e.UserAgent);
        Write(e.SourceIp);
        Write(e.Application);
        Write(e.IssuedAccessKeyId);
        Write(e.WebIdentitySubject);
        Write(e.WebIdentityProvider);
        WriteAll(e.Parameters, static (w, kv) =>
        {
            w.Write(kv.Key);
            w.Write(kv.Value);
        });
        Write(e.Source);
        WriteOrder(e.ReadOrder);
    }

    public void Dispose() => _out.Dispose();
}

/// <summary>Reads what <see cref="PartialStateWriter"/> wrote, renumbering read orders into the whole scan's.</summary>
public sealed class PartialStateReader : IDisposable
{
    private readonly BinaryReader _in;
    private readonly List<string> _strings = [];

    internal PartialStateReader(Stream source)
    {
        _in = new BinaryReader(new BrotliStream(source, CompressionMode.Decompress, leaveOpen: true), Encoding.UTF8, leaveOpen: false);
    }

    /// <summary>Turns a read order of the partial scan into the whole scan's (its parts numbered among all parts).</summary>
    internal Func<long, long> Renumber { get; set; } = static order => order;

    public long ReadInt64() => _in.Read7BitEncodedInt64();

    public int ReadInt32() => _in.Read7BitEncodedInt();

    public bool ReadBoolean() => _in.ReadBoolean();

    public long ReadOrder() => Renumber(_in.ReadInt64());

    public int? ReadNullableInt32() => _in.ReadBoolean() ? _in.Read7BitEncodedInt() : null;

    public bool? ReadNullableBoolean() => _in.ReadByte() switch
    {
        0 => null,
        1 => false,
        _ => true,
    };

    public string? ReadNullableString()
    {
        var tag = _in.Read7BitEncodedInt();
        switch (tag)
        {
            case 0:
                return null;
            case 1:
                var text = _in.ReadString();
                _strings.Add(text);
                return text;
            default:
                return _strings[tag - 2];
        }
    }

    public string ReadString() => ReadNullableString() ?? throw new InvalidDataException("partial scan state: a required string is missing");

    public DateTimeOffset ReadTime()
    {
        var ticks = _in.ReadInt64();
        var offset = TimeSpan.FromMinutes(_in.ReadInt16());
        return new DateTimeOffset(ticks + offset.Ticks, offset);
    }

    public DateTimeOffset? ReadNullableTime() => _in.ReadBoolean() ? ReadTime() : null;

    /// <summary>Reads a count and that many items.</summary>
    public List<T> ReadAll<T>(Func<PartialStateReader, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var count = ReadInt32();
        var items = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            items.Add(read(this));
        }

        return items;
    }

    public SourceLocation ReadSource()
    {
        var file = ReadString();
        var position = ReadNullableString();
        var record = ReadInt64();
        return position is null ? new SourceLocation(file, record) : new SourceLocation(file, position);
    }

    public ActivityEvent ReadEvent()
    {
        var cloud = (Cloud)ReadInt32();
        var eventId = ReadString();
        var time = ReadTime();
        var account = ReadString();
        var region = ReadNullableString();
        var service = ReadString();
        var action = ReadString();
        var actor = new Actor
        {
            Type = ReadString(),
            Id = ReadString(),
            AccountId = ReadNullableString(),
            IssuerArn = ReadNullableString(),
            SessionName = ReadNullableString(),
            AccessKeyId = ReadNullableString(),
            TokenId = ReadNullableString(),
            MfaAuthenticated = ReadNullableBoolean(),
            DisplayName = ReadNullableString(),
            ObjectId = ReadNullableString(),
            Kind = (PrincipalKind)ReadInt32(),
        };
        var e = new ActivityEvent
        {
            Cloud = cloud,
            EventId = eventId,
            Time = time,
            AccountId = account,
            Region = region,
            Service = service,
            Action = action,
            Actor = actor,
            ReadOnly = ReadNullableBoolean(),
            Succeeded = ReadBoolean(),
            ErrorCode = ReadNullableString(),
            Resource = ReadNullableString(),
            Category = ReadNullableString(),
            LoginResult = ReadNullableString(),
            MfaUsed = ReadNullableBoolean(),
            Interactive = ReadNullableBoolean(),
            TargetRoleArn = ReadNullableString(),
            TargetSessionName = ReadNullableString(),
            RequestedDurationSeconds = ReadNullableInt32(),
            UserAgent = ReadNullableString(),
            SourceIp = ReadNullableString(),
            Application = ReadNullableString(),
            IssuedAccessKeyId = ReadNullableString(),
            WebIdentitySubject = ReadNullableString(),
            WebIdentityProvider = ReadNullableString(),
            Parameters = ReadParameters(),
            Source = ReadSource(),
        };
        e.ReadOrder = ReadOrder();
        return e;
    }

    private IReadOnlyDictionary<string, string> ReadParameters()
    {
        var count = ReadInt32();
        if (count == 0)
        {
            return RequestParameters.None;
        }

        var parameters = new Dictionary<string, string>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            parameters[ReadString()] = ReadString();
        }

        return parameters;
    }

    public void Dispose() => _in.Dispose();
}
