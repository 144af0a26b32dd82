namespace DriftSentinel.Core.Io;

/// <summary>A file that cannot be read as what it claims to be, with where and what was expected.</summary>
public sealed class InputFormatException(string file, string position, string problem, Exception? inner = null)
    : Exception($"{file}: {position}: {problem}", inner)
{
    public string File { get; } = file;
    public string Position { get; } = position;
    public string Problem { get; } = problem;
}
