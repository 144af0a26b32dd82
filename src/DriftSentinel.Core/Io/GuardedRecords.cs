namespace DriftSentinel.Core.Io;

/// <summary>Yields records until the source faults, then records why and stops: records before a fault are kept.</summary>
public static class GuardedRecords
{
    public static IEnumerable<T> Read<T>(IEnumerable<T> source, string display, ICollection<string> failures)
    {
        long count = 0;
        using var records = source.GetEnumerator();
        while (true)
        {
            T current;
            try
            {
                if (!records.MoveNext())
                {
                    yield break;
                }

                current = records.Current;
            }
            catch (InputFormatException e)
            {
                failures.Add($"{e.Message} ({count} records before the fault were kept)");
                yield break;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Add($"{display}: cannot read: {e.Message} ({count} records before the fault were kept)");
                yield break;
            }
            catch (InvalidDataException e)
            {
                failures.Add($"{display}: corrupt compressed data: {e.Message} ({count} records before the fault were kept)");
                yield break;
            }

            count++;
            yield return current;
        }
    }
}
