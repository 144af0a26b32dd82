using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using DriftSentinel.Aws.Collection.Http;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Aws.Collection.Collection;

/// <summary>
/// Reads the log files a trail delivered to S3 for one account and region: lists each day's prefix
/// (AWSLogs/[o-org/]account/CloudTrail/region/YYYY/MM/DD/), fetches the objects not read before with a bounded
/// number of parallel GETs, and gunzips and parses each as a stream into the snapshot. Digest files are skipped.
/// </summary>
internal sealed class S3TrailCollector(CloudTrailOptions options, AwsRetryPolicy retry, CollectionMetrics metrics) : IDisposable
{
    // One bound for the whole collection, however many accounts and regions are read at once.
    private readonly SemaphoreSlim _downloads = new(options.S3.MaxParallelDownloads, options.S3.MaxParallelDownloads);

    public const string Source = "aws.s3.cloudtrail-logs";

    public string DayPrefix(string account, string region, DateOnly day)
    {
        var prefix = string.IsNullOrWhiteSpace(options.S3.Prefix) ? string.Empty : options.S3.Prefix.Trim('/') + "/";
        var org = options.S3.OrganizationId is { } o ? o + "/" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{prefix}AWSLogs/{org}{account}/CloudTrail/{region}/{day:yyyy/MM/dd}/");
    }

    public async Task<SourceWatermark?> CollectAsync(IAmazonS3 s3, string account, string region, DateTimeOffset until, SourceWatermark? previous, string outputFolder, CoverageLog coverage, CancellationToken ct)
    {
        var scope = $"{account}/{region}";
        var bucket = options.S3.Bucket!;
        var from = previous is null ? until - options.Lookback : previous.ReadUntil - options.Overlap;
        var seenBefore = new HashSet<string>(previous?.SeenKeys ?? [], StringComparer.Ordinal);
        var listed = new List<S3Object>();
        var failures = new List<string>();
        try
        {
            for (var day = DateOnly.FromDateTime(from.UtcDateTime); day <= DateOnly.FromDateTime(until.UtcDateTime); day = day.AddDays(1))
            {
                var request = new ListObjectsV2Request { BucketName = bucket, Prefix = DayPrefix(account, region, day) };
                do
                {
                    var page = await retry.ExecuteAsync(c => s3.ListObjectsV2Async(request, c), ct).ConfigureAwait(false);
                    listed.AddRange(page.S3Objects ?? []);
                    request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
                }
                while (request.ContinuationToken is not null);
            }
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            coverage.Failed(Source, scope, 0, $"listing s3://{bucket}/{DayPrefix(account, region, DateOnly.FromDateTime(from.UtcDateTime))}… failed: {AwsErrors.Describe(e)}");
            return previous;
        }

        var candidates = listed
            .Where(o => o.Key is not null && !o.Key.Contains("CloudTrail-Digest", StringComparison.OrdinalIgnoreCase)
                        && (o.Key.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase) || o.Key.EndsWith(".json", StringComparison.OrdinalIgnoreCase)))
            .Where(o => Modified(o) >= from && Modified(o) <= until)
            .ToList();
        var toRead = candidates.Where(o => !seenBefore.Contains(o.Key!)).OrderBy(o => o.Key, StringComparer.Ordinal).ToList();

        var read = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var failedAt = new System.Collections.Concurrent.ConcurrentBag<DateTimeOffset>();
        long events = 0;
        var gate = new Lock();
        await Parallel.ForEachAsync(toRead, new ParallelOptions { MaxDegreeOfParallelism = options.S3.MaxParallelDownloads, CancellationToken = ct }, async (obj, c) =>
        {
            var target = Path.Combine(outputFolder, region, Path.Combine(obj.Key!.Split('/')[^4..]));
            await _downloads.WaitAsync(c).ConfigureAwait(false);
            (long Count, string? Error, bool Permanent) outcome;
            try
            {
                outcome = await ReadObjectAsync(s3, bucket, obj, target, c).ConfigureAwait(false);
            }
            finally
            {
                _downloads.Release();
            }

            var (count, error, permanent) = outcome;
            Interlocked.Add(ref events, count);
            if (error is not null)
            {
                lock (gate)
                {
                    failures.Add(error);
                }
            }

            if (error is null || permanent)
            {
                read[obj.Key!] = true; // a corrupt object stays corrupt: reported once, not fetched again
            }
            else
            {
                failedAt.Add(Modified(obj));
            }
        }).ConfigureAwait(false);

        // The watermark stops short of the oldest object that could not be fetched, so the next scan tries it again.
        var newest = candidates.Where(o => read.ContainsKey(o.Key!) || seenBefore.Contains(o.Key!)).Select(Modified).DefaultIfEmpty(previous?.ReadUntil ?? from).Max();
        var readUntil = failedAt.IsEmpty ? Max(newest, previous?.ReadUntil ?? from) : Min(newest, failedAt.Min().AddTicks(-1));
        var keepFrom = readUntil - options.Overlap;
        var watermark = new SourceWatermark
        {
            ReadUntil = readUntil,
            SeenKeys = candidates.Where(o => (read.ContainsKey(o.Key!) || seenBefore.Contains(o.Key!)) && Modified(o) >= keepFrom).Select(o => o.Key!).Order(StringComparer.Ordinal).ToList(),
        };

        var detail = $"s3://{bucket}/{DayPrefix(account, region, DateOnly.FromDateTime(from.UtcDateTime))}…: {toRead.Count} new log file(s) of {candidates.Count} listed since {from:yyyy-MM-ddTHH:mm:ssZ}";
        if (failures.Count == 0)
        {
            coverage.Read(Source, scope, events, detail);
        }
        else
        {
            foreach (var f in failures.Order(StringComparer.Ordinal))
            {
                coverage.Failed(Source, scope, events, f);
            }
        }

        return watermark;
    }

    /// <returns>Records written; an error (null when the object was read whole) and whether retrying cannot help.</returns>
    private async Task<(long Count, string? Error, bool Permanent)> ReadObjectAsync(IAmazonS3 s3, string bucket, S3Object obj, string target, CancellationToken ct)
    {
        var display = $"s3://{bucket}/{obj.Key}";
        GetObjectResponse response;
        try
        {
            response = await retry.ExecuteAsync(c => s3.GetObjectAsync(bucket, obj.Key, c), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return (0, $"{display}: GetObject failed: {AwsErrors.Describe(e)}", false);
        }

        long count = 0;
        using (response)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var outputName = target.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? target : target + ".gz";
            await using var output = new GZipStream(File.Create(outputName), CompressionLevel.Fastest);
            await using var json = new Utf8JsonWriter(output);
            json.WriteStartObject();
            json.WriteStartArray("Records");
            var counting = new CountingStream(response.ResponseStream);
            try
            {
                // Synchronous parse on a pool thread: Utf8JsonReader cannot cross awaits, and the download is the stream.
                await Task.Run(() =>
                {
                    Stream body = obj.Key!.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(counting, CompressionMode.Decompress) : counting;
                    using (body)
                    {
                        foreach (var _ in JsonRecordStream.Read<object>(body, display, (record, _) =>
                        {
                            record.WriteTo(json);
                            count++;
                            if (json.BytesPending > 1 << 16)
                            {
                                json.Flush();
                            }

                            return null;
                        }, "Records"))
                        {
                        }
                    }
                }, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InputFormatException or InvalidDataException)
            {
                // Corrupt or truncated content: reading it again gives the same bytes.
                return (count, $"{display}: {e.Message} ({count} record(s) before the fault were kept)", true);
            }
            catch (Exception e) when (e is IOException or HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                // The connection failed mid-download: the object is fetched again by the next scan.
                return (count, $"{display}: download interrupted: {e.Message} ({count} record(s) before the fault were kept)", false);
            }
            finally
            {
                json.WriteEndArray();
                json.WriteEndObject();
                await json.FlushAsync(ct).ConfigureAwait(false);
                metrics.CountObject(counting.BytesRead);
                metrics.AddEvents(count);
            }
        }

        return (count, null, false);
    }

    public void Dispose() => _downloads.Dispose();

    private static DateTimeOffset Modified(S3Object o) => o.LastModified is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc)) : DateTimeOffset.MinValue;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>Counts the compressed bytes downloaded.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            BytesRead += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
