using System.Buffers;
using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;

namespace DriftSentinel.Bench;

/// <summary>
/// The floor a CloudTrail scan is measured against (issue 15): gunzip every .json.gz file of a folder and walk every
/// token with Utf8JsonReader, counting the records of its "Records" array — no mapping, no rules. Run with 1 and with
/// 2 threads, on the same folder and in the same sitting as `bench trail`, so the two can be compared.
/// </summary>
internal static class ParseFloorBench
{
    public static int Run(string folder, int threads)
    {
        // Digest files (bench integrity adds them) are not logs: the floor stays the same files the scan parses.
        var files = Directory.EnumerateFiles(folder, "*.json.gz", SearchOption.AllDirectories).Where(f => !f.Contains("CloudTrail-Digest", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            Console.Error.WriteLine($"no .json.gz files under {folder} (make them with: bench trail 1000000 {folder})");
            return 2;
        }

        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        long records = 0;
        long tokens = 0;
        long bytes = 0;
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => (Records: 0L, Tokens: 0L, Bytes: 0L), (file, _, local) =>
        {
            var (r, t, b) = Walk(file);
            return (local.Records + r, local.Tokens + t, local.Bytes + b);
        }, local =>
        {
            Interlocked.Add(ref records, local.Records);
            Interlocked.Add(ref tokens, local.Tokens);
            Interlocked.Add(ref bytes, local.Bytes);
        });
        stopwatch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"floor, {threads} thread(s): {files.Count:N0} files, {bytes / 1048576.0:N0} MiB of JSON, {records:N0} records, {tokens:N0} tokens in {stopwatch.Elapsed.TotalSeconds:0.00} s " +
            $"({records / stopwatch.Elapsed.TotalSeconds:N0} records/s), allocated {allocated / (double)Math.Max(1, records):N0} bytes/record, peak working set {process.PeakWorkingSet64 / 1048576.0:0} MiB");
        return 0;
    }

    /// <summary>Streams one file through the reader in 64 KiB refills (the reader's state carried across them).</summary>
    private static (long Records, long Tokens, long Bytes) Walk(string file)
    {
        using var gzip = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var state = new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            long records = 0;
            long tokens = 0;
            long total = 0;
            var kept = 0;
            while (true)
            {
                var read = gzip.Read(buffer, kept, buffer.Length - kept);
                total += read;
                var final = read == 0;
                var reader = new Utf8JsonReader(buffer.AsSpan(0, kept + read), final, state);
                while (reader.Read())
                {
                    tokens++;
                    if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth == 2)
                    {
                        records++; // {"Records":[ {record}, … ]}
                    }
                }

                if (final)
                {
                    return (records, tokens, total);
                }

                state = reader.CurrentState;
                var length = kept + read;
                var consumed = (int)reader.BytesConsumed;
                kept = length - consumed;
                if (consumed == 0 && length == buffer.Length)
                {
                    // One token larger than the buffer: grow it.
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                else
                {
                    buffer.AsSpan(consumed, kept).CopyTo(buffer);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
