using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace Erebor.Domain.Scheduling;

/// <summary>
/// A standard 5-field cron schedule ("minute hour day-of-month month day-of-week"), evaluated in
/// a time zone (UTC unless the text starts with <c>CRON_TZ=&lt;IANA zone&gt; </c>).
/// </summary>
/// <remarks>
/// <para><b>Syntax.</b> Each field is a comma-separated list of <c>*</c>, a value, a range <c>a-b</c>,
/// or either with a step (<c>*/n</c>, <c>a-b/n</c>, and <c>a/n</c> meaning <c>a-max/n</c>). Months
/// take JAN-DEC and days of week SUN-SAT (case-insensitive); Sunday is 0 or 7, and SUN closing a
/// range means 7 ("FRI-SUN"). Macros: @yearly/@annually, @monthly, @weekly, @daily/@midnight,
/// @hourly. @reboot is rejected: a schedule runs on the clock, not on operator start.</para>
/// <para><b>Day matching (Vixie cron / POSIX).</b> A day-of-month or day-of-week field is
/// "restricted" unless it is exactly <c>*</c> (or <c>*/1</c>). When both are restricted a day
/// matches if EITHER matches ("0 0 13 * FRI" fires on every 13th and every Friday); otherwise both
/// must match. Unlike Vixie cron, <c>*/2</c> counts as a restriction (as in robfig/cron).
/// Expressions that can never fire (e.g. "0 0 30 2 *") are rejected when parsed.</para>
/// <para><b>Time zones and DST.</b> Fields are matched against the zone's wall clock, minute by
/// minute. Each matching wall-clock time L ("slot") fires at one instant: the FIRST instant at
/// which the zone's clock reads L or later. That single rule gives:
/// <list type="bullet">
/// <item>Spring forward (L does not exist, e.g. 02:30 in Berlin on the last Sunday of March): the
/// slot fires at the first instant after the gap, i.e. at the transition (03:00 CEST). Several
/// slots in one gap (*/15 at 02:00, 02:15, 02:30, 02:45) and a slot at the gap's end (03:00) all
/// land on that instant and fire ONCE. Same as Vixie cron and systemd's "run right after".</item>
/// <item>Fall back (L occurs twice): the slot fires at its first occurrence only. This holds for
/// fixed times (02:30 daily fires at 02:30 CEST, not again at 02:30 CET) and for intervals alike:
/// */15 fires by the wall clock at 02:00, 02:15, 02:30, 02:45 (CEST), is silent while the clock
/// repeats 02:00-02:59 (CET), and goes on at 03:00 CET, so no wall-clock time fires twice (there
/// is one 75-minute gap in real time). Schedules that need strict real-time spacing should stay
/// in UTC, the default.</item>
/// </list>
/// The mapping from slot to instant is monotonic, so occurrences are strictly increasing and no
/// instant fires twice.</para>
/// <para><b>Zone lookup.</b> CRON_TZ takes IANA ids only, resolved with
/// TimeZoneInfo.TryFindSystemTimeZoneById. With InvariantGlobalization (on in this repository) .NET
/// on Linux still reads the tz database itself (/usr/share/zoneinfo, or $TZDIR); only Windows-id
/// conversion needs ICU, so "W. Europe Standard Time" is rejected. An operator image without
/// tzdata resolves nothing but UTC: every CRON_TZ then fails to parse with a clear reason, it never
/// silently falls back to UTC. Slots are mapped to instants with UTC-to-offset lookups only.</para>
/// <para><b>Efficiency.</b> Searching skips by field (year, month, day, hour, minute bit sets),
/// never minute by minute; any expression that can fire does so within 8 years (Feb 29).</para>
/// </remarks>
public sealed class CronExpression
{
    public const string TimeZonePrefix = "CRON_TZ=";

    private const string FieldList = "minute hour day-of-month month day-of-week";

    /// <summary>Looking further ahead than this finds nothing new: Feb 29 recurs within 8 years.</summary>
    private const int SearchYears = 10;

    /// <summary>More than any zone's offset from UTC (-12h to +14h), and shorter than the time between two transitions.</summary>
    private static readonly TimeSpan TransitionWindow = TimeSpan.FromHours(15);

    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    private static readonly int[] MaxDaysInMonth = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

    private readonly ulong minutes;
    private readonly ulong hours;
    private readonly ulong daysOfMonth;
    private readonly ulong months;
    private readonly ulong daysOfWeek;
    private readonly bool dayOfMonthRestricted;
    private readonly bool dayOfWeekRestricted;
    private readonly bool isUtc;

    private CronExpression(string text, TimeZoneInfo zone, ulong[] bits, bool dayOfMonthRestricted, bool dayOfWeekRestricted)
    {
        Text = text;
        TimeZone = zone;
        minutes = bits[0];
        hours = bits[1];
        daysOfMonth = bits[2];
        months = bits[3];
        daysOfWeek = bits[4];
        this.dayOfMonthRestricted = dayOfMonthRestricted;
        this.dayOfWeekRestricted = dayOfWeekRestricted;
        isUtc = zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime;
    }

    /// <summary>The text as written (trimmed).</summary>
    public string Text { get; }

    /// <summary>The zone the fields are matched in; UTC unless CRON_TZ names another.</summary>
    public TimeZoneInfo TimeZone { get; }

    public static CronExpression Parse(string text) =>
        TryParse(text, out var expression, out var error) ? expression : throw new FormatException(error);

    /// <summary>
    /// Parses <paramref name="text"/>; on failure <paramref name="error"/> is a sentence for the
    /// person who wrote it (e.g. "minute field '61' is out of range 0-59").
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out CronExpression? expression, out string error)
    {
        expression = null;
        error = FindProblem(text, out var parsed) ?? string.Empty;
        if (error.Length > 0) { return false; }
        expression = parsed!;
        return true;
    }

    private static string? FindProblem(string? text, out CronExpression? expression)
    {
        expression = null;
        var trimmed = text?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            return $"the schedule is empty; expected 5 fields ({FieldList}) or a macro such as @daily";
        }

        var tokens = trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var zone = TimeZoneInfo.Utc;
        if (tokens[0].StartsWith(TimeZonePrefix, StringComparison.OrdinalIgnoreCase))
        {
            var zoneId = tokens[0][TimeZonePrefix.Length..];
            if (FindZone(zoneId, out var found) is { } zoneProblem) { return zoneProblem; }
            zone = found!;
            tokens = tokens[1..];
            if (tokens.Length == 0)
            {
                return $"'{TimeZonePrefix}{zoneId}' is not followed by a schedule";
            }
        }
        else if (tokens[0].StartsWith("TZ=", StringComparison.OrdinalIgnoreCase))
        {
            return $"'{tokens[0]}': name the time zone with {TimeZonePrefix}<IANA zone>, e.g. CRON_TZ=Europe/Berlin";
        }

        if (tokens[0].StartsWith('@'))
        {
            var macro = tokens[0];
            if (string.Equals(macro, "@reboot", StringComparison.OrdinalIgnoreCase))
            {
                return "'@reboot' is not supported: a protection schedule runs on the clock, not when the operator starts; create a Checkpoint for a one-off run";
            }

            if (!Macros.TryGetValue(macro, out var expansion))
            {
                return $"unknown macro '{macro}'; supported: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly";
            }

            if (tokens.Length > 1)
            {
                return $"macro '{macro}' stands alone, but is followed by '{string.Join(' ', tokens[1..])}'";
            }

            tokens = expansion.Split(' ');
        }

        if (tokens.Length != 5)
        {
            return $"expected 5 fields ({FieldList}), got {tokens.Length}";
        }

        CronField[] fields = [CronField.Minute, CronField.Hour, CronField.DayOfMonth, CronField.Month, CronField.DayOfWeek];
        var bits = new ulong[5];
        for (var index = 0; index < fields.Length; index++)
        {
            if (fields[index].TryParse(tokens[index], out bits[index]) is { } fieldProblem)
            {
                return fieldProblem;
            }
        }

        var dayOfMonthRestricted = !IsStar(tokens[2]);
        var dayOfWeekRestricted = !IsStar(tokens[4]);

        // With day-of-week unrestricted only day-of-month decides: it must occur in a chosen month.
        if (dayOfMonthRestricted && !dayOfWeekRestricted)
        {
            var firstDay = BitOperations.TrailingZeroCount(bits[2]);
            var possible = Enumerable.Range(1, 12).Any(month => (bits[3] & (1UL << month)) != 0 && MaxDaysInMonth[month] >= firstDay);
            if (!possible)
            {
                return $"the schedule never fires: day-of-month '{tokens[2]}' does not occur in month '{tokens[3]}'";
            }
        }

        expression = new CronExpression(trimmed, zone, bits, dayOfMonthRestricted, dayOfWeekRestricted);
        return null;
    }

    private static bool IsStar(string field) => field is "*" or "*/1";

    private static string? FindZone(string zoneId, out TimeZoneInfo? zone)
    {
        zone = null;
        if (zoneId.Length == 0)
        {
            return $"'{TimeZonePrefix}' names no time zone; expected e.g. CRON_TZ=Europe/Berlin";
        }

        var plausible = zoneId.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '+')
            && !zoneId.StartsWith('/') && !zoneId.Contains("..", StringComparison.Ordinal);
        if (plausible && TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var found))
        {
            zone = found;
            return null;
        }

        return $"unknown time zone '{zoneId}' in {TimeZonePrefix}: expected an IANA name such as Europe/Berlin or America/New_York (looked up in the system's tz database)";
    }

    /// <summary>
    /// The first firing strictly after <paramref name="instant"/>, with the zone's offset at that
    /// instant; null only past year 9999.
    /// </summary>
    public DateTimeOffset? NextAfter(DateTimeOffset instant)
    {
        var wall = ToWall(instant);
        while (NextWall(wall) is { } slot && Representable(slot))
        {
            // Only the slots whose first occurrence already passed (the repeated hour of a fall
            // back, or a gap's end) are skipped here; the mapping is monotonic.
            var fires = FireInstant(slot);
            if (fires > instant) { return fires; }
            wall = slot;
        }

        return null;
    }

    /// <summary>The latest firing at or before <paramref name="instant"/>; null if none within 10 years.</summary>
    public DateTimeOffset? LatestAtOrBefore(DateTimeOffset instant)
    {
        var wall = ToWall(instant);

        // In or after the repeated hour of a fall back, slots up to the end of the overlap already
        // fired at their first occurrence: start from the latest wall time shown at or before the
        // instant, under the offsets of the last 30 hours (one transition at most per 15 hours).
        if (!isUtc && instant.UtcDateTime > DateTime.MinValue.AddDays(2))
        {
            var utc = instant.UtcDateTime;
            var largest = new[] { OffsetAt(utc), OffsetAt(utc - TransitionWindow), OffsetAt(utc - (2 * TransitionWindow)) }.Max();
            wall = DateTime.SpecifyKind(utc + largest, DateTimeKind.Unspecified);
        }

        while (LatestWall(wall) is { } slot && Representable(slot))
        {
            var fires = FireInstant(slot);
            if (fires <= instant) { return fires; }
            wall = slot.AddMinutes(-1);
        }

        return null;
    }

    /// <summary>The next <paramref name="count"/> firings after <paramref name="instant"/>.</summary>
    public IEnumerable<DateTimeOffset> Occurrences(DateTimeOffset instant, int count)
    {
        var current = instant;
        for (var index = 0; index < count && NextAfter(current) is { } next; index++)
        {
            yield return next;
            current = next;
        }
    }

    public override string ToString() => Text;

    /// <summary>Slots within a day of DateTime's limits cannot be mapped through a zone offset: treated as beyond the end of time.</summary>
    private bool Representable(DateTime slot) =>
        isUtc || (slot > DateTime.MinValue.AddDays(1) && slot < DateTime.MaxValue.AddDays(-1));

    private DateTime ToWall(DateTimeOffset instant) =>
        DateTime.SpecifyKind(
            isUtc || !Representable(instant.UtcDateTime) ? instant.UtcDateTime : instant.UtcDateTime + OffsetAt(instant.UtcDateTime),
            DateTimeKind.Unspecified);

    /// <summary>The first instant at which the zone's clock reads <paramref name="slot"/> or later.</summary>
    private DateTimeOffset FireInstant(DateTime slot)
    {
        if (isUtc) { return new DateTimeOffset(slot, TimeSpan.Zero); }

        // Only UTC-to-offset lookups are used: .NET's local-time queries (IsInvalidTime,
        // IsAmbiguousTime) misjudge some transitions, e.g. Samoa's skipped 2011-12-30. Within 15
        // hours either side of the slot a zone changes its offset at most once.
        var low = Utc(slot - TransitionWindow);
        var high = Utc(slot + TransitionWindow);
        var before = OffsetAt(low);
        var after = OffsetAt(high);
        if (before == after) { return Zoned(Utc(slot - before)); }

        var transition = FindTransition(low, high, before);
        var underBefore = Utc(slot - before); // a real reading of the clock if before the transition
        var underAfter = Utc(slot - after); // a real reading of the clock if at or after it
        var validBefore = underBefore < transition;
        var validAfter = underAfter >= transition;
        var fires = validBefore && validAfter ? Min(underBefore, underAfter) // fall back: first occurrence
            : validBefore ? underBefore
            : validAfter ? underAfter
            : transition; // spring forward: the slot does not exist; the first instant after the gap
        return Zoned(fires);
    }

    private static DateTime Min(DateTime a, DateTime b) => a <= b ? a : b;

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private TimeSpan OffsetAt(DateTime utc) => TimeZone.GetUtcOffset(Utc(utc));

    private DateTimeOffset Zoned(DateTime utc)
    {
        var offset = OffsetAt(utc);
        return offset.Ticks % TimeSpan.TicksPerMinute == 0
            ? new DateTimeOffset(DateTime.SpecifyKind(utc + offset, DateTimeKind.Unspecified), offset)
            : new DateTimeOffset(Utc(utc), TimeSpan.Zero);
    }

    /// <summary>The first second in (<paramref name="low"/>, <paramref name="high"/>] whose offset is no longer <paramref name="before"/>.</summary>
    private DateTime FindTransition(DateTime low, DateTime high, TimeSpan before)
    {
        while (high - low > TimeSpan.FromSeconds(1))
        {
            var middle = low + TimeSpan.FromSeconds(Math.Floor((high - low).TotalSeconds / 2));
            if (OffsetAt(middle) == before) { low = middle; } else { high = middle; }
        }

        return high;
    }

    private bool DayMatches(int year, int month, int day)
    {
        var byDate = (daysOfMonth & (1UL << day)) != 0;
        var byWeekday = (daysOfWeek & (1UL << (int)new DateTime(year, month, day).DayOfWeek)) != 0;
        return dayOfMonthRestricted && dayOfWeekRestricted ? byDate || byWeekday : byDate && byWeekday;
    }

    /// <summary>The smallest matching wall-clock minute strictly after <paramref name="after"/>.</summary>
    private DateTime? NextWall(DateTime after)
    {
        var floor = new DateTime(after.Year, after.Month, after.Day, after.Hour, after.Minute, 0);
        if (floor >= DateTime.MaxValue.AddMinutes(-1)) { return null; }
        var start = floor.AddMinutes(1);
        var lastYear = Math.Min(9999, start.Year + SearchYears);
        for (var year = start.Year; year <= lastYear; year++)
        {
            var sameYear = year == start.Year;
            for (var month = sameYear ? start.Month : 1; month <= 12; month++)
            {
                if ((months & (1UL << month)) == 0) { continue; }
                var sameMonth = sameYear && month == start.Month;
                var daysInMonth = DateTime.DaysInMonth(year, month);
                for (var day = sameMonth ? start.Day : 1; day <= daysInMonth; day++)
                {
                    if (!DayMatches(year, month, day)) { continue; }
                    var sameDay = sameMonth && day == start.Day;
                    for (var hour = sameDay ? start.Hour : 0; hour <= 23; hour++)
                    {
                        if ((hours & (1UL << hour)) == 0) { continue; }
                        var fromMinute = sameDay && hour == start.Hour ? start.Minute : 0;
                        var remaining = minutes & (ulong.MaxValue << fromMinute);
                        if (remaining != 0)
                        {
                            return new DateTime(year, month, day, hour, BitOperations.TrailingZeroCount(remaining), 0);
                        }
                    }
                }
            }
        }

        return null;
    }

    /// <summary>The largest matching wall-clock minute at or before <paramref name="atOrBefore"/>.</summary>
    private DateTime? LatestWall(DateTime atOrBefore)
    {
        var start = new DateTime(atOrBefore.Year, atOrBefore.Month, atOrBefore.Day, atOrBefore.Hour, atOrBefore.Minute, 0);
        var firstYear = Math.Max(1, start.Year - SearchYears);
        for (var year = start.Year; year >= firstYear; year--)
        {
            var sameYear = year == start.Year;
            for (var month = sameYear ? start.Month : 12; month >= 1; month--)
            {
                if ((months & (1UL << month)) == 0) { continue; }
                var sameMonth = sameYear && month == start.Month;
                for (var day = sameMonth ? start.Day : DateTime.DaysInMonth(year, month); day >= 1; day--)
                {
                    if (!DayMatches(year, month, day)) { continue; }
                    var sameDay = sameMonth && day == start.Day;
                    for (var hour = sameDay ? start.Hour : 23; hour >= 0; hour--)
                    {
                        if ((hours & (1UL << hour)) == 0) { continue; }
                        var toMinute = sameDay && hour == start.Hour ? start.Minute : 59;
                        var remaining = minutes & (ulong.MaxValue >> (63 - toMinute));
                        if (remaining != 0)
                        {
                            return new DateTime(year, month, day, hour, 63 - BitOperations.LeadingZeroCount(remaining), 0);
                        }
                    }
                }
            }
        }

        return null;
    }
}
