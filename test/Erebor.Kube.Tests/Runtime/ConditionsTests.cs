using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;

namespace Erebor.Kube.Tests.Runtime;

public sealed class ConditionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Last_transition_time_moves_only_when_the_status_changes()
    {
        var conditions = new List<Condition>();
        Conditions.Set(conditions, "Ready", true, "A", "first", 1, T0).Should().BeTrue();
        Conditions.Set(conditions, "Ready", true, "B", "same status, new reason", 2, T0.AddMinutes(1)).Should().BeTrue();
        conditions.Single().LastTransitionTime.Should().Be(T0);
        conditions.Single().ObservedGeneration.Should().Be(2);

        Conditions.Set(conditions, "Ready", false, "C", "flipped", 2, T0.AddMinutes(2)).Should().BeTrue();
        conditions.Single().LastTransitionTime.Should().Be(T0.AddMinutes(2));
        conditions.Single().Status.Should().Be(ConditionStatus.False);
    }

    [Fact]
    public void Setting_an_identical_condition_reports_no_change()
    {
        var conditions = new List<Condition>();
        Conditions.Set(conditions, "Ready", true, "A", "m", 1, T0);
        Conditions.Set(conditions, "Ready", true, "A", "m", 1, T0.AddHours(1)).Should().BeFalse();
        Conditions.IsTrue(conditions, "Ready").Should().BeTrue();
        Conditions.IsTrue(conditions, "Validated").Should().BeFalse();
    }
}
