using System.Runtime.InteropServices;
using Erebor.Demo;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")] // network namespaces and Open vSwitch

// `make demo`: the whole story on one machine, narrated (see Tour). Ctrl-C or SIGTERM, or the end
// of the tour with --exit, stops everything this program started, by PID, and removes its
// namespaces and files. Exit code: 0 when every step held, 1 when one did not.
if (args.Any(a => a is "-h" or "--help"))
{
    Console.WriteLine("usage: erebor-demo [--exit]\n  --exit  stop and clean up after the tour instead of waiting for Ctrl-C");
    return 0;
}

var exitAfterTour = args.Contains("--exit");
using var stop = new CancellationTokenSource();
void Interrupt(PosixSignalContext context)
{
    context.Cancel = true; // clean up first; the process ends when Main returns
    stop.Cancel();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);

var narrator = new Narrator(Console.Out);
var cleanup = new Cleanup(narrator);
var tour = new Tour(narrator, cleanup, stop.Token);
try
{
    await tour.RunAsync();
    if (narrator.Problems > 0)
    {
        narrator.Say($"the tour ended with {narrator.Problems} problem(s), see PROBLEM above");
        tour.ShowProcessOutput();
        return 1;
    }

    if (exitAfterTour)
    {
        narrator.Say("tour complete (--exit)");
        return 0;
    }

    tour.SayHowToLookAround();
    narrator.Say("all set. Press Ctrl-C to stop and clean up.");
    await Task.Delay(Timeout.Infinite, stop.Token);
    return 0;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    narrator.Say("interrupted");
    return 0;
}
catch (Exception e)
{
    narrator.Problem(e.Message);
    tour.ShowProcessOutput();
    return 1;
}
finally
{
    await cleanup.DisposeAsync();
    narrator.Say("cleaned up");
}
