using Erebor.Harness.Processes;

namespace Erebor.OpenFlow.Tests;

/// <summary>
/// OVS as an oracle: <c>ovs-ofctl ofp-print HEX</c> decodes any OpenFlow message with OVS's own
/// parser. If OVS reads our bytes as we meant them, the encoding agrees with the switch.
/// </summary>
internal static class OfpPrint
{
    public static async Task<string> DecodeAsync(byte[] frame)
    {
        var result = await ProcessRunner.RunAsync("ovs-ofctl", ["ofp-print", Convert.ToHexString(frame)], new ProcessOptions { Timeout = TimeSpan.FromSeconds(30) });
        return result.StdOut + result.StdErr;
    }
}
