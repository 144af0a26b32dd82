using System.Text;
using Microsoft.Extensions.Logging;

namespace DriftSentinel.Worker.Scheduling;

/// <summary>Turns the collectors' console lines (progress, per-account summaries) into log entries of a job.</summary>
internal sealed class LoggerTextWriter(ILogger log, string scope) : TextWriter
{
    private readonly StringBuilder _line = new();
    private readonly Lock _gate = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_gate)
        {
            if (value == '\n')
            {
                Flush();
            }
            else if (value != '\r')
            {
                _line.Append(value);
            }
        }
    }

    public override void Flush()
    {
        lock (_gate)
        {
            if (_line.Length > 0)
            {
                log.CollectorLine(scope, _line.ToString());
                _line.Clear();
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        Flush();
        base.Dispose(disposing);
    }
}
