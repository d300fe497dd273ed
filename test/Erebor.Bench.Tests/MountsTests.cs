namespace Erebor.Bench.Tests;

public sealed class MountsTests
{
    private const string ProcMounts = """
        /dev/vda / ext4 rw,relatime 0 0
        proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
        tmpfs /tmp tmpfs rw,nosuid,nodev 0 0
        /dev/vdb /tmp/bank\040disk xfs rw 0 0
        """;

    [Theory]
    [InlineData("/var/lib/erebor", "ext4")]
    [InlineData("/tmp/erebor-bench-bank-x", "tmpfs")]
    [InlineData("/tmp", "tmpfs")]
    [InlineData("/tmpfoo/bank", "ext4")]
    [InlineData("/tmp/bank disk/plans", "xfs")]
    public void The_longest_mount_point_containing_the_path_names_its_filesystem(string path, string expected) =>
        Mounts.FilesystemTypeOf(path, ProcMounts).Should().Be(expected);
}
