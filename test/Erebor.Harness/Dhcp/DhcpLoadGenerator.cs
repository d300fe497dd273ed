using System.Diagnostics;
using Erebor.Domain.Networking;
using Erebor.Harness.Ovs;

namespace Erebor.Harness.Dhcp;

/// <summary>One client of the load: a packet socket on its own port, and the client's MAC.</summary>
public sealed record DhcpLoadClient(LinkLayerSocket Socket, MacAddress Mac);

/// <summary>What one load run measured: DORAs completed, timed out and refused within the measured window, and each completed one's latency.</summary>
public sealed record DhcpLoadResult(int Clients, TimeSpan Measured, long Completed, long TimedOut, long Failed, IReadOnlyList<double> LatenciesMs)
{
    public double TransactionsPerSecond => Completed / Measured.TotalSeconds;
}

/// <summary>
/// A closed-loop DHCP load: every client runs DISCOVER, OFFER, REQUEST, ACK, then RELEASEs the
/// address and starts over at once, so the number of exchanges in flight equals the number of
/// clients, whoever the server is. An exchange's latency runs from sending the DISCOVER to
/// receiving the ACK; one without its next reply within the timeout counts as timed out and the
/// client starts over with a new transaction id. Only exchanges that end inside the measured
/// window (after the warm-up) are counted.
/// </summary>
public static class DhcpLoadGenerator
{
    public static async Task<DhcpLoadResult> RunAsync(IReadOnlyList<DhcpLoadClient> clients, TimeSpan warmup, TimeSpan measured, TimeSpan replyTimeout, CancellationToken ct = default)
    {
        var from = Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var until = from + (long)(measured.TotalSeconds * Stopwatch.Frequency);
        var tallies = await Task.WhenAll(clients.Select(c => Task.Run(() => RunClientAsync(c, from, until, replyTimeout, ct), ct)));
        return new DhcpLoadResult(
            clients.Count,
            measured,
            tallies.Sum(t => t.Latencies.Count),
            tallies.Sum(t => t.TimedOut),
            tallies.Sum(t => t.Failed),
            [.. tallies.SelectMany(t => t.Latencies)]);
    }

    /// <summary>One successful exchange from <paramref name="client"/> within <paramref name="timeout"/>: the server is up and answering.</summary>
    public static async Task<bool> TryOneAsync(DhcpLoadClient client, TimeSpan timeout, CancellationToken ct = default)
    {
        var window = Stopwatch.GetTimestamp();
        var tally = await RunClientAsync(client, window, window + (long)(timeout.TotalSeconds * Stopwatch.Frequency), timeout, ct, stopAfterOne: true);
        return tally.Latencies.Count > 0;
    }

    private sealed record Tally(List<double> Latencies, long TimedOut, long Failed);

    private static async Task<Tally> RunClientAsync(DhcpLoadClient client, long from, long until, TimeSpan timeout, CancellationToken ct, bool stopAfterOne = false)
    {
        var machine = new DoraClient(client.Mac);
        var buffer = new byte[2048];
        var latencies = new List<double>();
        long timedOut = 0, failed = 0;
        while (Stopwatch.GetTimestamp() < until && !ct.IsCancellationRequested)
        {
            var began = Stopwatch.GetTimestamp();
            client.Socket.Send(machine.Start((uint)Random.Shared.Next()));
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(timeout);
            try
            {
                while (machine.Phase is DoraPhase.Selecting or DoraPhase.Requesting)
                {
                    var length = await client.Socket.ReceiveAsync(buffer, deadline.Token);
                    if (machine.Receive(buffer.AsSpan(0, length)) is { } next) { client.Socket.Send(next); }
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                if (InWindow(Stopwatch.GetTimestamp())) { timedOut++; }
                continue;
            }

            var ended = Stopwatch.GetTimestamp();
            if (machine.Phase != DoraPhase.Bound)
            {
                if (InWindow(ended)) { failed++; }
                continue;
            }

            if (InWindow(ended)) { latencies.Add(Stopwatch.GetElapsedTime(began, ended).TotalMilliseconds); }
            client.Socket.Send(machine.Release());
            if (stopAfterOne) { break; }
        }

        return new Tally(latencies, timedOut, failed);

        bool InWindow(long at) => at >= from && at < until;
    }
}
