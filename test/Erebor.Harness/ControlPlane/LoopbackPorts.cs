using System.Net;
using System.Net.Sockets;

namespace Erebor.Harness.ControlPlane;

internal static class LoopbackPorts
{
    /// <summary>
    /// Distinct TCP ports on 127.0.0.1 that were free a moment ago: all are bound at once (so
    /// they differ) and then released for the child process to bind. Another process can take
    /// one in between, so callers retry when a bind fails.
    /// </summary>
    public static int[] Reserve(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(listener => listener.Start());
            return [.. listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(listener => listener.Stop());
        }
    }
}
