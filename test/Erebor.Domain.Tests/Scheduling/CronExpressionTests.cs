using System.Globalization;

using Erebor.Domain.Scheduling;

namespace Erebor.Domain.Tests.Scheduling;

public class CronExpressionTests
{
    internal static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    private static DateTimeOffset Next(string expression, string after) =>
        CronExpression.Parse(expression).NextAfter(At(after)) ?? throw new InvalidOperationException("no next occurrence");

    [Theory]
    [InlineData("* * * * *", "2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z")]
    [InlineData("* * * * *", "2024-01-01T00:00:30Z", "2024-01-01T00:01:00Z")]
    [InlineData("* * * * *", "2024-12-31T23:59:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z")]
    [InlineData("0 0 29 2 *", "2024-02-28T12:00:00Z", "2024-02-29T00:00:00Z")]
    [InlineData("0 12 31 * *", "2024-04-01T00:00:00Z", "2024-05-31T12:00:00Z")]
    [InlineData("0 0 31 * *", "2024-01-31T00:00:00Z", "2024-03-31T00:00:00Z")]
    [InlineData("30 23 30,31 * *", "2024-02-01T00:00:00Z", "2024-03-30T23:30:00Z")]
    [InlineData("59 23 31 12 *", "2024-12-31T23:59:00Z", "2025-12-31T23:59:00Z")]
    [InlineData("0 0 28-31 2 *", "2023-02-28T00:00:00Z", "2024-02-28T00:00:00Z")]
    // Day-of-month OR day-of-week when both are restricted (Vixie cron / POSIX).
    [InlineData("0 0 13 * FRI", "2024-09-01T00:00:00Z", "2024-09-06T00:00:00Z")]
    [InlineData("0 0 13 * 5", "2024-09-06T00:00:00Z", "2024-09-13T00:00:00Z")]
    [InlineData("0 0 13 * 5", "2024-09-13T00:00:00Z", "2024-09-20T00:00:00Z")]
    [InlineData("0 0 1 * MON", "2024-09-24T00:00:00Z", "2024-09-30T00:00:00Z")]
    [InlineData("0 0 1 * MON", "2024-09-30T00:00:00Z", "2024-10-01T00:00:00Z")]
    [InlineData("0 0 1-7 * MON", "2024-09-08T00:00:00Z", "2024-09-09T00:00:00Z")]
    [InlineData("0 0 30 2 MON", "2024-01-01T00:00:00Z", "2024-02-05T00:00:00Z")]
    // "*/10" restricts day-of-month (unlike Vixie cron's quirk), so OR applies.
    [InlineData("0 0 */10 * MON", "2024-09-01T00:00:00Z", "2024-09-02T00:00:00Z")]
    // With one side '*', both must match: only the other side decides.
    [InlineData("0 0 */10 * *", "2024-01-21T00:00:00Z", "2024-01-31T00:00:00Z")]
    [InlineData("0 0 * * MON", "2024-09-03T00:00:00Z", "2024-09-09T00:00:00Z")]
    // Sunday as 0, 7 and SUN; ranges ending on Sunday.
    [InlineData("0 0 * * 0", "2024-09-02T00:00:00Z", "2024-09-08T00:00:00Z")]
    [InlineData("0 0 * * 7", "2024-09-02T00:00:00Z", "2024-09-08T00:00:00Z")]
    [InlineData("0 0 * * SUN", "2024-09-02T00:00:00Z", "2024-09-08T00:00:00Z")]
    [InlineData("0 0 * * sun", "2024-09-02T00:00:00Z", "2024-09-08T00:00:00Z")]
    [InlineData("0 0 * * 5-7", "2024-09-07T00:00:00Z", "2024-09-08T00:00:00Z")]
    [InlineData("0 0 * * FRI-SUN", "2024-09-02T00:00:00Z", "2024-09-06T00:00:00Z")]
    [InlineData("0 0 * * FRI-SUN", "2024-09-07T00:00:00Z", "2024-09-08T00:00:00Z")]
    [InlineData("0 0 * * Mon-Fri", "2024-09-06T00:00:00Z", "2024-09-09T00:00:00Z")]
    // Steps and lists.
    [InlineData("*/15 * * * *", "2024-01-01T10:07:00Z", "2024-01-01T10:15:00Z")]
    [InlineData("*/15 * * * *", "2024-01-01T10:45:00Z", "2024-01-01T11:00:00Z")]
    [InlineData("10-50/20 * * * *", "2024-01-01T10:00:00Z", "2024-01-01T10:10:00Z")]
    [InlineData("10-50/20 * * * *", "2024-01-01T10:10:00Z", "2024-01-01T10:30:00Z")]
    [InlineData("10-50/20 * * * *", "2024-01-01T10:50:00Z", "2024-01-01T11:10:00Z")]
    [InlineData("5/20 * * * *", "2024-01-01T10:45:00Z", "2024-01-01T11:05:00Z")]
    [InlineData("0 9-17/4 * * *", "2024-01-01T13:00:00Z", "2024-01-01T17:00:00Z")]
    [InlineData("0 9-17/4 * * *", "2024-01-01T17:00:00Z", "2024-01-02T09:00:00Z")]
    [InlineData("0,30 8,20 * * *", "2024-01-01T08:30:00Z", "2024-01-01T20:00:00Z")]
    [InlineData("0 0 */2 * *", "2024-01-31T00:00:00Z", "2024-02-01T00:00:00Z")]
    [InlineData("0 0 * */3 *", "2024-02-15T00:00:00Z", "2024-04-01T00:00:00Z")]
    [InlineData("0 0 * * */2", "2024-09-02T00:00:00Z", "2024-09-03T00:00:00Z")]
    // Names.
    [InlineData("0 0 1 JAN,jul *", "2024-01-01T00:00:00Z", "2024-07-01T00:00:00Z")]
    [InlineData("0 0 * FEB-APR MON", "2024-04-29T00:00:00Z", "2025-02-03T00:00:00Z")]
    [InlineData("0 0 1 dec *", "2024-12-01T00:00:00Z", "2025-12-01T00:00:00Z")]
    // Macros.
    [InlineData("@yearly", "2024-06-01T00:00:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("@annually", "2024-06-01T00:00:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("@monthly", "2024-06-01T00:00:00Z", "2024-07-01T00:00:00Z")]
    [InlineData("@weekly", "2024-06-01T00:00:00Z", "2024-06-02T00:00:00Z")]
    [InlineData("@daily", "2024-06-01T00:00:00Z", "2024-06-02T00:00:00Z")]
    [InlineData("@midnight", "2024-06-01T12:00:00Z", "2024-06-02T00:00:00Z")]
    [InlineData("@hourly", "2024-06-01T10:30:00Z", "2024-06-01T11:00:00Z")]
    [InlineData("@HOURLY", "2024-06-01T10:30:00Z", "2024-06-01T11:00:00Z")]
    // Whitespace around and between fields.
    [InlineData("  0\t0  * *   *  ", "2024-06-01T00:00:00Z", "2024-06-02T00:00:00Z")]
    // An instant given in another offset is the same instant.
    [InlineData("0 12 * * *", "2024-06-01T13:30:00+02:00", "2024-06-01T12:00:00Z")]
    [InlineData("0 12 * * *", "2024-06-01T14:30:00+02:00", "2024-06-02T12:00:00Z")]
    public void Next_fire_times(string expression, string after, string expected)
    {
        Next(expression, after).Should().BeExactly(At(expected));
    }

    [Theory]
    [InlineData("", "the schedule is empty; expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily")]
    [InlineData("   ", "the schedule is empty; expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily")]
    [InlineData("* * * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 6")]
    [InlineData("* * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 3")]
    [InlineData("61 * * * *", "minute field '61' is out of range 0-59")]
    [InlineData("0-61 * * * *", "minute field '61' is out of range 0-59")]
    [InlineData("1,99999999999 * * * *", "minute field '99999999999' is out of range 0-59")]
    [InlineData("* 24 * * *", "hour field '24' is out of range 0-23")]
    [InlineData("* * 0 * *", "day-of-month field '0' is out of range 1-31")]
    [InlineData("* * 32 * *", "day-of-month field '32' is out of range 1-31")]
    [InlineData("* * * 0 *", "month field '0' is out of range 1-12")]
    [InlineData("* * * 13 *", "month field '13' is out of range 1-12")]
    [InlineData("* * * * 8", "day-of-week field '8' is out of range 0-7")]
    [InlineData("* * * Foo *", "unknown month name 'Foo'")]
    [InlineData("* * * JAN-Foo *", "unknown month name 'Foo'")]
    [InlineData("* * * January *", "unknown month name 'January'")]
    [InlineData("* * * * Funday", "unknown day-of-week name 'Funday'")]
    [InlineData("JAN * * * *", "minute field 'JAN' is not a number")]
    [InlineData("* MON * * *", "hour field 'MON' is not a number")]
    [InlineData("a * * * *", "minute field 'a' is not a number")]
    [InlineData("? * * * *", "minute field '?' is not a number")]
    [InlineData("1.5 * * * *", "minute field '1.5' is not a number")]
    [InlineData("*/0 * * * *", "minute field '*/0': step must be at least 1")]
    [InlineData("*/x * * * *", "minute field '*/x': step 'x' is not a number")]
    [InlineData("*/ * * * *", "minute field '*/': step '' is not a number")]
    [InlineData("*/60 * * * *", "minute field '*/60': step 60 is larger than the field's range 0-59, so it would only ever match the first value")]
    [InlineData("0 */24 * * *", "hour field '*/24': step 24 is larger than the field's range 0-23, so it would only ever match the first value")]
    [InlineData("1/2/3 * * * *", "minute field '1/2/3' has more than one '/'")]
    [InlineData("1,,2 * * * *", "minute field '1,,2' has an empty list element")]
    [InlineData("1, * * * *", "minute field '1,' has an empty list element")]
    [InlineData("5-1 * * * *", "minute field '5-1': range 5-1 is backwards; the start must not be after the end")]
    [InlineData("* * * * SAT-MON", "day-of-week field 'SAT-MON': range 6-1 is backwards; the start must not be after the end")]
    [InlineData("1-2-3 * * * *", "minute field '1-2-3' is malformed: a range has one '-'")]
    [InlineData("-5 * * * *", "minute field '-5' is malformed: expected '*', a value, a range a-b, or one of those with a step /n")]
    [InlineData("5- * * * *", "minute field '5-' is malformed: expected '*', a value, a range a-b, or one of those with a step /n")]
    [InlineData("/5 * * * *", "minute field '/5' is malformed: expected '*', a value, a range a-b, or one of those with a step /n")]
    [InlineData("@reboot", "'@reboot' is not supported: a protection schedule runs on the clock, not when the operator starts; create a Checkpoint for a one-off run")]
    [InlineData("@every 5m", "unknown macro '@every'; supported: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly")]
    [InlineData("@daily 5", "macro '@daily' stands alone, but is followed by '5'")]
    [InlineData("0 0 30 2 *", "the schedule never fires: day-of-month '30' does not occur in month '2'")]
    [InlineData("0 0 31 APR,JUN,SEP,NOV *", "the schedule never fires: day-of-month '31' does not occur in month 'APR,JUN,SEP,NOV'")]
    [InlineData("CRON_TZ=Mars/Olympus_Mons 0 0 * * *", "unknown time zone 'Mars/Olympus_Mons' in CRON_TZ=: expected an IANA name such as Europe/Berlin or America/New_York (looked up in the system's tz database)")]
    [InlineData("CRON_TZ=../../etc/passwd 0 0 * * *", "unknown time zone '../../etc/passwd' in CRON_TZ=: expected an IANA name such as Europe/Berlin or America/New_York (looked up in the system's tz database)")]
    [InlineData("CRON_TZ=W._Europe_Standard_Time 0 0 * * *", "unknown time zone 'W._Europe_Standard_Time' in CRON_TZ=: expected an IANA name such as Europe/Berlin or America/New_York (looked up in the system's tz database)")]
    [InlineData("CRON_TZ= 0 0 * * *", "'CRON_TZ=' names no time zone; expected e.g. CRON_TZ=Europe/Berlin")]
    [InlineData("CRON_TZ=Europe/Berlin", "'CRON_TZ=Europe/Berlin' is not followed by a schedule")]
    [InlineData("CRON_TZ=Europe/Berlin 0 0 * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4")]
    [InlineData("CRON_TZ=Europe/Berlin @reboot", "'@reboot' is not supported: a protection schedule runs on the clock, not when the operator starts; create a Checkpoint for a one-off run")]
    [InlineData("TZ=Europe/Berlin 0 0 * * *", "'TZ=Europe/Berlin': name the time zone with CRON_TZ=<IANA zone>, e.g. CRON_TZ=Europe/Berlin")]
    public void Parse_errors_are_precise(string expression, string message)
    {
        CronExpression.TryParse(expression, out var parsed, out var error).Should().BeFalse();
        parsed.Should().BeNull();
        error.Should().Be(message);
        FluentActions.Invoking(() => CronExpression.Parse(expression)).Should().Throw<FormatException>().WithMessage(message);
    }

    [Fact]
    public void Null_is_a_parse_error_not_an_exception()
    {
        CronExpression.TryParse(null, out _, out var error).Should().BeFalse();
        error.Should().StartWith("the schedule is empty");
    }

    [Fact]
    public void Text_and_zone_are_kept()
    {
        var expression = CronExpression.Parse("  CRON_TZ=Europe/Berlin 30 2 * * *  ");
        expression.Text.Should().Be("CRON_TZ=Europe/Berlin 30 2 * * *");
        expression.ToString().Should().Be(expression.Text);
        expression.TimeZone.Id.Should().Be("Europe/Berlin");
        CronExpression.Parse("@daily").TimeZone.Should().Be(TimeZoneInfo.Utc);
    }

    [Fact]
    public void Iana_zones_resolve_with_invariant_globalization()
    {
        // Directory.Build.props turns InvariantGlobalization on. On Linux, TimeZoneInfo reads the
        // tz database (/usr/share/zoneinfo or $TZDIR) itself; only Windows-id conversion and
        // localized display names need ICU. So IANA ids resolve, Windows ids do not.
        AppContext.TryGetSwitch("System.Globalization.Invariant", out var invariant).Should().BeTrue();
        invariant.Should().BeTrue();

        var berlin = CronExpression.Parse("CRON_TZ=Europe/Berlin @daily").TimeZone;
        berlin.GetUtcOffset(At("2024-01-15T12:00:00Z")).Should().Be(TimeSpan.FromHours(1));
        berlin.GetUtcOffset(At("2024-07-15T12:00:00Z")).Should().Be(TimeSpan.FromHours(2));
        var newYork = CronExpression.Parse("CRON_TZ=America/New_York @daily").TimeZone;
        newYork.GetUtcOffset(At("2024-01-15T12:00:00Z")).Should().Be(TimeSpan.FromHours(-5));
        newYork.GetUtcOffset(At("2024-07-15T12:00:00Z")).Should().Be(TimeSpan.FromHours(-4));
        CronExpression.TryParse("CRON_TZ=UTC @daily", out _, out _).Should().BeTrue();
        CronExpression.TryParse("CRON_TZ=Etc/UTC @daily", out _, out _).Should().BeTrue();
        CronExpression.TryParse("CRON_TZ=Asia/Kolkata @daily", out _, out _).Should().BeTrue();
    }

    [Theory]
    [InlineData("CRON_TZ=Europe/Berlin 0 9 * * *", "2024-07-01T00:00:00Z", "2024-07-01T09:00:00+02:00")]
    [InlineData("CRON_TZ=Europe/Berlin 0 9 * * *", "2024-01-01T00:00:00Z", "2024-01-01T09:00:00+01:00")]
    [InlineData("cron_tz=Europe/Berlin 0 9 * * *", "2024-01-01T09:00:00Z", "2024-01-02T09:00:00+01:00")]
    [InlineData("CRON_TZ=America/New_York @daily", "2024-07-01T00:00:00Z", "2024-07-01T00:00:00-04:00")]
    [InlineData("CRON_TZ=America/New_York 0 0 * * MON", "2024-07-01T03:59:00Z", "2024-07-01T00:00:00-04:00")]
    [InlineData("CRON_TZ=Asia/Kolkata 0 0 1 * *", "2024-06-30T18:29:00Z", "2024-07-01T00:00:00+05:30")]
    [InlineData("CRON_TZ=UTC 0 0 1 * *", "2024-06-30T18:29:00Z", "2024-07-01T00:00:00Z")]
    // Without CRON_TZ the schedule is UTC, whatever the offset of the instant passed in.
    [InlineData("0 9 * * *", "2024-07-01T10:00:00+02:00", "2024-07-01T09:00:00Z")]
    public void Cron_tz_matches_fields_on_the_zone_wall_clock(string expression, string after, string expected)
    {
        Next(expression, after).Should().BeExactly(At(expected));
    }

    [Theory]
    // Europe/Berlin 2024: spring forward Mar 31 02:00 CET -> 03:00 CEST (01:00Z); fall back Oct 27 03:00 CEST -> 02:00 CET (01:00Z).
    // 02:30 daily: the missing 02:30 fires at the first instant after the gap; the doubled 02:30 fires once, at its first occurrence.
    [InlineData("CRON_TZ=Europe/Berlin 30 2 * * *", "2024-03-29T12:00:00Z", "2024-03-30T02:30:00+01:00", "2024-03-31T03:00:00+02:00", "2024-04-01T02:30:00+02:00")]
    [InlineData("CRON_TZ=Europe/Berlin 30 2 * * *", "2024-10-25T12:00:00Z", "2024-10-26T02:30:00+02:00", "2024-10-27T02:30:00+02:00", "2024-10-28T02:30:00+01:00")]
    // Hourly: 02:00 does not exist and folds into 03:00 (one run); the repeated 02:00 CET does not fire again.
    [InlineData("CRON_TZ=Europe/Berlin 0 * * * *", "2024-03-30T23:30:00Z", "2024-03-31T01:00:00+01:00", "2024-03-31T03:00:00+02:00", "2024-03-31T04:00:00+02:00")]
    [InlineData("CRON_TZ=Europe/Berlin 0 * * * *", "2024-10-26T23:30:00Z", "2024-10-27T02:00:00+02:00", "2024-10-27T03:00:00+01:00", "2024-10-27T04:00:00+01:00")]
    // */15: the four slots of the missing hour fold into 03:00; in the repeated hour each wall time fires once.
    [InlineData("CRON_TZ=Europe/Berlin */15 * * * *", "2024-03-31T00:30:00Z", "2024-03-31T01:45:00+01:00", "2024-03-31T03:00:00+02:00", "2024-03-31T03:15:00+02:00")]
    [InlineData("CRON_TZ=Europe/Berlin */15 * * * *", "2024-10-27T00:30:00Z", "2024-10-27T02:45:00+02:00", "2024-10-27T03:00:00+01:00", "2024-10-27T03:15:00+01:00")]
    // From inside the repeated hour (02:10 CET) the next run is 03:00 CET.
    [InlineData("CRON_TZ=Europe/Berlin */15 * * * *", "2024-10-27T01:10:00Z", "2024-10-27T03:00:00+01:00", "2024-10-27T03:15:00+01:00", "2024-10-27T03:30:00+01:00")]
    // America/New_York 2024: spring forward Mar 10 02:00 EST -> 03:00 EDT (07:00Z); fall back Nov 3 02:00 EDT -> 01:00 EST (06:00Z).
    [InlineData("CRON_TZ=America/New_York 30 2 * * *", "2024-03-09T12:00:00Z", "2024-03-10T03:00:00-04:00", "2024-03-11T02:30:00-04:00", "2024-03-12T02:30:00-04:00")]
    // In New York the repeated hour is 01:00-01:59: 02:30 is not doubled, 01:30 is.
    [InlineData("CRON_TZ=America/New_York 30 2 * * *", "2024-11-02T12:00:00Z", "2024-11-03T02:30:00-05:00", "2024-11-04T02:30:00-05:00", "2024-11-05T02:30:00-05:00")]
    [InlineData("CRON_TZ=America/New_York 30 1 * * *", "2024-11-02T12:00:00Z", "2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00", "2024-11-05T01:30:00-05:00")]
    [InlineData("CRON_TZ=America/New_York 0 * * * *", "2024-03-10T05:30:00Z", "2024-03-10T01:00:00-05:00", "2024-03-10T03:00:00-04:00", "2024-03-10T04:00:00-04:00")]
    [InlineData("CRON_TZ=America/New_York 0 * * * *", "2024-11-03T04:30:00Z", "2024-11-03T01:00:00-04:00", "2024-11-03T02:00:00-05:00", "2024-11-03T03:00:00-05:00")]
    [InlineData("CRON_TZ=America/New_York */15 * * * *", "2024-03-10T06:40:00Z", "2024-03-10T01:45:00-05:00", "2024-03-10T03:00:00-04:00", "2024-03-10T03:15:00-04:00")]
    [InlineData("CRON_TZ=America/New_York */15 * * * *", "2024-11-03T05:40:00Z", "2024-11-03T01:45:00-04:00", "2024-11-03T02:00:00-05:00", "2024-11-03T02:15:00-05:00")]
    // Samoa skipped Friday 2011-12-30 entirely (UTC-10 to UTC+14): slots on that day fire at the first instant after the gap.
    [InlineData("CRON_TZ=Pacific/Apia 0 12 * * *", "2011-12-29T12:00:00Z", "2011-12-29T12:00:00-10:00", "2011-12-31T00:00:00+14:00", "2011-12-31T12:00:00+14:00")]
    // Lord Howe Island moves its clock by 30 minutes (2024: back on Apr 7 02:00 -> 01:30, forward on Oct 6 02:00 -> 02:30).
    [InlineData("CRON_TZ=Australia/Lord_Howe */20 * * * *", "2024-04-06T14:35:00Z", "2024-04-07T01:40:00+11:00", "2024-04-07T02:00:00+10:30", "2024-04-07T02:20:00+10:30")]
    [InlineData("CRON_TZ=Australia/Lord_Howe */20 * * * *", "2024-10-05T15:05:00Z", "2024-10-06T01:40:00+10:30", "2024-10-06T02:30:00+11:00", "2024-10-06T02:40:00+11:00")]
    public void Dst_transitions(string expression, string after, string first, string second, string third)
    {
        var occurrences = CronExpression.Parse(expression).Occurrences(At(after), 3).ToList();
        occurrences.Should().HaveCount(3);
        occurrences[0].Should().BeExactly(At(first));
        occurrences[1].Should().BeExactly(At(second));
        occurrences[2].Should().BeExactly(At(third));
    }

    [Theory]
    [InlineData("CRON_TZ=Europe/Berlin */15 * * * *", "2024-10-27T01:10:00Z", "2024-10-27T02:45:00+02:00")]
    [InlineData("CRON_TZ=Europe/Berlin */15 * * * *", "2024-10-27T01:59:59Z", "2024-10-27T02:45:00+02:00")]
    [InlineData("CRON_TZ=Europe/Berlin */15 * * * *", "2024-10-27T02:00:00Z", "2024-10-27T03:00:00+01:00")]
    [InlineData("CRON_TZ=Europe/Berlin 30 2 * * *", "2024-10-27T01:45:00Z", "2024-10-27T02:30:00+02:00")]
    [InlineData("CRON_TZ=Europe/Berlin 30 2 * * *", "2024-03-31T01:00:00Z", "2024-03-31T03:00:00+02:00")]
    [InlineData("CRON_TZ=Europe/Berlin 30 2 * * *", "2024-03-31T00:59:59Z", "2024-03-30T02:30:00+01:00")]
    [InlineData("CRON_TZ=America/New_York 30 1 * * *", "2024-11-03T06:45:00Z", "2024-11-03T01:30:00-04:00")]
    [InlineData("0 0 29 2 *", "2027-06-01T00:00:00Z", "2024-02-29T00:00:00Z")]
    [InlineData("* * * * *", "2024-06-01T10:30:59Z", "2024-06-01T10:30:00Z")]
    [InlineData("* * * * *", "2024-06-01T10:30:00Z", "2024-06-01T10:30:00Z")]
    [InlineData("0 0 13 * FRI", "2024-09-12T23:59:00Z", "2024-09-06T00:00:00Z")]
    public void Latest_at_or_before(string expression, string instant, string expected)
    {
        CronExpression.Parse(expression).LatestAtOrBefore(At(instant)).Should().NotBeNull()
            .And.Subject!.Value.Should().BeExactly(At(expected));
    }

    [Theory]
    [InlineData("CRON_TZ=Europe/Berlin */15 * * * *", 366 * 96 - 4)]
    [InlineData("CRON_TZ=Europe/Berlin 30 2 * * *", 366)]
    [InlineData("CRON_TZ=Europe/Berlin 0 * * * *", 366 * 24 - 1)]
    [InlineData("CRON_TZ=America/New_York */15 * * * *", 366 * 96 - 4)]
    [InlineData("CRON_TZ=America/New_York 30 1 * * *", 366)]
    [InlineData("*/15 * * * *", 366 * 96)]
    public void Over_a_year_every_wall_time_fires_once_and_instants_strictly_increase(string expression, int expected)
    {
        var cron = CronExpression.Parse(expression);
        var zone = cron.TimeZone;
        var start = new DateTimeOffset(new DateTime(2024, 1, 1), zone.GetUtcOffset(new DateTime(2024, 1, 1))).AddTicks(-1);
        var end = new DateTimeOffset(new DateTime(2025, 1, 1), zone.GetUtcOffset(new DateTime(2025, 1, 1)));
        var fired = new List<DateTimeOffset>();
        for (var next = cron.NextAfter(start); next is { } value && value < end; next = cron.NextAfter(value))
        {
            fired.Add(value);
        }

        fired.Should().HaveCount(expected);
        fired.Should().BeInAscendingOrder(instant => instant.UtcDateTime).And.OnlyHaveUniqueItems(instant => instant.UtcDateTime);
        fired.Select(instant => instant.DateTime).Should().OnlyHaveUniqueItems("no wall-clock time fires twice");
        fired.Should().OnlyContain(instant => instant.Offset == zone.GetUtcOffset(instant.UtcDateTime));
    }

    [Fact]
    public void Next_and_latest_agree_with_a_minute_by_minute_reference_in_utc()
    {
        var random = new Random(20241027);
        string[] expressions =
        [
            "*/7 3-5 * * *", "0 0 13 * FRI", "15 10 1,15 * *", "0 12 * FEB-MAR SUN", "5/20 */6 */3 * *",
            "0 0 29 2 *", "30 23 31 * 1-5", "0 0 * * 7", "59 23 28-31 * *", "0 6 1-7 * MON",
        ];
        foreach (var text in expressions)
        {
            var cron = CronExpression.Parse(text);
            for (var sample = 0; sample < 40; sample++)
            {
                var instant = At("2023-01-01T00:00:00Z").AddMinutes(random.Next(0, 3 * 365 * 1440)).AddSeconds(random.Next(0, 60));
                var next = cron.NextAfter(instant)!.Value;
                var latest = cron.LatestAtOrBefore(instant)!.Value;
                next.Should().Be(ReferenceNext(text, instant), text);
                latest.Should().BeBefore(next.AddTicks(1));
                latest.Should().BeOnOrBefore(instant);
                cron.NextAfter(latest).Should().Be(next, text);
            }
        }
    }

    [Fact]
    public void Next_and_latest_are_consistent_around_dst_transitions()
    {
        var random = new Random(7);
        string[] expressions = ["*/15 * * * *", "30 2 * * *", "0 * * * *", "30 1 * * *", "* 2 * * *", "0,59 1-3 * * *"];
        (string Zone, string Transition)[] transitions =
        [
            ("Europe/Berlin", "2024-03-31T01:00:00Z"), ("Europe/Berlin", "2024-10-27T01:00:00Z"),
            ("America/New_York", "2024-03-10T07:00:00Z"), ("America/New_York", "2024-11-03T06:00:00Z"),
            ("Australia/Lord_Howe", "2024-04-06T15:00:00Z"), ("Australia/Lord_Howe", "2024-10-05T15:30:00Z"),
            ("Pacific/Apia", "2011-12-30T10:00:00Z"),
        ];
        foreach (var (zone, transition) in transitions)
        {
            foreach (var text in expressions)
            {
                var cron = CronExpression.Parse($"CRON_TZ={zone} {text}");
                for (var sample = 0; sample < 60; sample++)
                {
                    var instant = At(transition).AddSeconds(random.Next(-30 * 3600, 30 * 3600));
                    var next = cron.NextAfter(instant)!.Value;
                    var latest = cron.LatestAtOrBefore(instant)!.Value;
                    next.Should().BeAfter(instant);
                    latest.Should().BeOnOrBefore(instant);
                    cron.NextAfter(latest).Should().Be(next, $"{cron} at {instant:O}");
                    cron.LatestAtOrBefore(next).Should().Be(next);
                }
            }
        }
    }

    [Fact]
    public void Far_searches_skip_by_field()
    {
        var cron = CronExpression.Parse("0 0 29 2 MON"); // OR: Mondays in February, and Feb 29
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var fired = cron.Occurrences(At("2000-01-01T00:00:00Z"), 1000).ToList();
        var leap = CronExpression.Parse("0 0 29 2 *").Occurrences(At("2000-01-01T00:00:00Z"), 100).ToList();
        watch.Stop();
        fired.Should().HaveCount(1000);
        leap.Should().HaveCount(100);
        leap[^1].Should().Be(At("2408-02-29T00:00:00Z"), "2100, 2200 and 2300 are not leap years");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void The_end_of_time_gives_null()
    {
        CronExpression.Parse("* * * * *").NextAfter(DateTimeOffset.MaxValue).Should().BeNull();
        CronExpression.Parse("0 0 1 1 *").NextAfter(At("9999-06-01T00:00:00Z")).Should().BeNull();
        CronExpression.Parse("* * * * *").LatestAtOrBefore(At("0001-01-01T00:00:00Z")).Should().Be(At("0001-01-01T00:00:00Z"));
        foreach (var zone in new[] { "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago" })
        {
            var cron = CronExpression.Parse($"CRON_TZ={zone} * * * * *");
            cron.NextAfter(DateTimeOffset.MaxValue).Should().BeNull();
            cron.NextAfter(At("9999-12-31T12:00:00Z")).Should().BeNull();
            cron.LatestAtOrBefore(DateTimeOffset.MinValue).Should().BeNull();
            cron.NextAfter(At("9999-12-01T00:00:00Z")).Should().NotBeNull();
        }
    }

    private static DateTimeOffset ReferenceNext(string text, DateTimeOffset instant)
    {
        var fields = text.Split(' ');
        var sets = new[] { Set(fields[0], 0, 59), Set(fields[1], 0, 23), Set(fields[2], 1, 31), Set(fields[3], 1, 12), Set(fields[4], 0, 7) };
        var bothDays = fields[2] != "*" && fields[4] != "*";
        var candidate = new DateTime(instant.UtcDateTime.Ticks - (instant.UtcDateTime.Ticks % TimeSpan.TicksPerMinute)).AddMinutes(1);
        for (var guard = 0; guard < 9 * 366 * 1440; guard++)
        {
            var weekday = (int)candidate.DayOfWeek;
            var dom = sets[2][candidate.Day];
            var dow = sets[4][weekday] || (weekday == 0 && sets[4][7]);
            var day = (bothDays ? dom || dow : dom && dow) && sets[3][candidate.Month];
            if (!day)
            {
                candidate = candidate.Date.AddDays(1); // only a shortcut over whole non-matching days
                continue;
            }

            if (sets[0][candidate.Minute] && sets[1][candidate.Hour])
            {
                return new DateTimeOffset(candidate, TimeSpan.Zero);
            }

            candidate = candidate.AddMinutes(1);
        }

        throw new InvalidOperationException("reference found nothing");
    }

    // A deliberately naive reading of a field (numbers, ranges, steps, lists, the names used above).
    private static bool[] Set(string field, int min, int max)
    {
        var set = new bool[max + 1];
        foreach (var part in field.Split(','))
        {
            var step = 1;
            var slash = part.Split('/');
            if (slash.Length == 2) { step = int.Parse(slash[1], CultureInfo.InvariantCulture); }
            int first, last;
            if (slash[0] == "*") { (first, last) = (min, max); }
            else if (slash[0].Contains('-'))
            {
                var ends = slash[0].Split('-');
                (first, last) = (Value(ends[0]), Value(ends[1]));
            }
            else { first = Value(slash[0]); last = slash.Length == 2 ? max : first; }
            for (var value = first; value <= last; value += step) { set[value] = true; }
        }

        return set;

        static int Value(string token) => token switch
        {
            "FEB" => 2,
            "MAR" => 3,
            "SUN" => 0,
            "MON" => 1,
            "FRI" => 5,
            _ => int.Parse(token, CultureInfo.InvariantCulture),
        };
    }
}
