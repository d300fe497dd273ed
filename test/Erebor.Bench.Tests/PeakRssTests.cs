using Erebor.Harness.Processes;

namespace Erebor.Bench.Tests;

public sealed class PeakRssTests
{
    private const string Status = "Name:\terebor-operator\nState:\tS (sleeping)\nVmPeak:\t 3301188 kB\nVmSize:\t 3235652 kB\nVmHWM:\t  141860 kB\nVmRSS:\t  120004 kB\nThreads:\t21\n";

    [Fact]
    public void The_high_water_mark_is_read_from_the_VmHWM_line_in_bytes() =>
        PeakRss.Parse(Status).Should().Be(141_860L * 1024, "VmHWM, not VmPeak (virtual) or VmRSS (current)");

    [Fact]
    public void A_zombie_has_no_memory_lines_and_so_no_peak() =>
        PeakRss.Parse("Name:\tdotnet\nState:\tZ (zombie)\nThreads:\t1\n").Should().BeNull();

    [Fact]
    public void A_VmHWM_line_in_another_unit_is_an_error_not_a_wrong_number() =>
        FluentActions.Invoking(() => PeakRss.Parse("VmHWM:\t 12 MB\n")).Should().Throw<FormatException>().WithMessage("*VmHWM:*12 MB*");

    [Fact]
    public async Task A_child_process_peak_is_measured_while_it_runs_and_survives_its_exit()
    {
        // bash holds a 64 MiB string for 2 s, long enough for the sampler to see it even on a busy
        // machine (a fast dd could exit between two samples).
        var result = await ProcessRunner.RunAsync("bash", ["-c", "a=$(head -c 67108864 /dev/zero | tr '\\0' x); sleep 2; echo ${#a}"], new ProcessOptions { MeasurePeakRss = true });
        result.Succeeded.Should().BeTrue(result.StdErr);
        result.StdOut.Trim().Should().Be("67108864");
        result.PeakRssBytes.Should().BeGreaterThan(64L * 1024 * 1024, "bash held the 64 MiB string");
        result.Elapsed.Should().BePositive();
    }
}
