using System.Diagnostics;

namespace Erebor.Demo;

/// <summary>
/// The demo's voice: numbered steps, progress lines stamped with the time since start, indented
/// command output, and one "what just happened" line per step. Problems (a lost ping, a lease
/// from the wrong block) are said at once and counted, so the tour still shows everything and
/// the exit code tells a script whether the story held.
/// </summary>
internal sealed class Narrator(TextWriter output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _step;

    public int Problems { get; private set; }

    public void Step(string title) => Line($"== {++_step}. {title}");

    public void Say(string message) => Line(message);

    /// <summary>What just happened, in one sentence, under the step's output.</summary>
    public void Explain(string what) => output.WriteLine($"           => {what}");

    /// <summary>Output of a command (kubectl, ovs-ofctl), indented under the line that ran it.</summary>
    public void Show(string text)
    {
        foreach (var line in text.TrimEnd().Split('\n')) { output.WriteLine("    " + line.TrimEnd()); }
    }

    public void Problem(string message)
    {
        Problems++;
        Line("PROBLEM: " + message);
    }

    private void Line(string message) => output.WriteLine($"[demo {_clock.Elapsed.TotalSeconds,6:F1}s] {message}");
}
