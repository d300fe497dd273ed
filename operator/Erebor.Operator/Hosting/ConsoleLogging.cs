using Microsoft.Extensions.Logging;

namespace Erebor.Operator.Hosting;

/// <summary>The console log format of the operator and its commands: one line per entry with a UTC timestamp, or JSON.</summary>
public static class ConsoleLogging
{
    /// <param name="stderr">Every entry goes to stderr (a command whose stdout is its outcome).</param>
    public static ILoggingBuilder AddEreborConsole(this ILoggingBuilder logging, bool json, bool stderr = false)
    {
        if (json) { logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "); }
        else { logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; o.UseUtcTimestamp = true; }); }
        if (stderr) { logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace); }
        return logging;
    }
}
