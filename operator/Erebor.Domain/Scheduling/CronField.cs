using System.Globalization;

namespace Erebor.Domain.Scheduling;

/// <summary>
/// One of the five cron fields: its name (as used in error messages), its range and, for month and
/// day-of-week, its three-letter names. Parsing turns the field's text into a bit set of the values
/// it matches.
/// </summary>
internal sealed class CronField
{
    public static readonly CronField Minute = new("minute", 0, 59, null, null);
    public static readonly CronField Hour = new("hour", 0, 23, null, null);
    public static readonly CronField DayOfMonth = new("day-of-month", 1, 31, null, null);

    public static readonly CronField Month = new(
        "month", 1, 12, "month", ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]);

    /// <summary>0-7: Sunday is both 0 and 7; the parsed set folds 7 onto 0.</summary>
    public static readonly CronField DayOfWeek = new(
        "day-of-week", 0, 7, "day-of-week", ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]);

    private readonly string? nameKind;
    private readonly string[]? names;

    private CronField(string name, int min, int max, string? nameKind, string[]? names)
    {
        Name = name;
        Min = min;
        Max = max;
        this.nameKind = nameKind;
        this.names = names;
    }

    public string Name { get; }

    public int Min { get; }

    public int Max { get; }

    private bool IsDayOfWeek => ReferenceEquals(this, DayOfWeek);

    /// <summary>
    /// Parses a field ("*", "5", "1-5", "*/15", "10-50/20", "5/10", "MON-FRI", lists of those) into a
    /// bit set (bit n = value n). Returns an error sentence for the user, or null.
    /// </summary>
    public string? TryParse(string text, out ulong bits)
    {
        bits = 0;
        foreach (var element in text.Split(','))
        {
            if (element.Length == 0)
            {
                return $"{Name} field '{text}' has an empty list element";
            }

            if (ParseElement(element, ref bits) is { } problem)
            {
                return problem;
            }
        }

        if (IsDayOfWeek && (bits & (1UL << 7)) != 0)
        {
            bits = (bits & ~(1UL << 7)) | 1UL;
        }

        return null;
    }

    private string? ParseElement(string element, ref ulong bits)
    {
        var parts = element.Split('/');
        if (parts.Length > 2)
        {
            return $"{Name} field '{element}' has more than one '/'";
        }

        var rangeText = parts[0];
        int? step = null;
        if (parts.Length == 2)
        {
            var stepText = parts[1];
            if (stepText.Length == 0 || !stepText.All(char.IsAsciiDigit))
            {
                return $"{Name} field '{element}': step '{stepText}' is not a number";
            }

            var value = stepText.Length <= 6 ? int.Parse(stepText, CultureInfo.InvariantCulture) : int.MaxValue;
            if (value == 0)
            {
                return $"{Name} field '{element}': step must be at least 1";
            }

            if (value > Max - Min)
            {
                return $"{Name} field '{element}': step {stepText} is larger than the field's range {Min}-{Max}, so it would only ever match the first value";
            }

            step = value;
        }

        int first;
        int last;
        if (rangeText == "*")
        {
            first = Min;
            last = Max;
        }
        else
        {
            var dash = rangeText.IndexOf('-', StringComparison.Ordinal);
            if (dash == 0 || dash == rangeText.Length - 1 || rangeText.Length == 0)
            {
                return $"{Name} field '{element}' is malformed: expected '*', a value, a range a-b, or one of those with a step /n";
            }

            if (dash < 0)
            {
                if (ParseValue(rangeText, rangeEnd: false, out first) is { } problem)
                {
                    return problem;
                }

                // "a/n" is short for "a-max/n" (as in robfig/cron and Quartz); a bare "a" is just a.
                last = step is null ? first : Max;
            }
            else
            {
                var firstText = rangeText[..dash];
                var lastText = rangeText[(dash + 1)..];
                if (lastText.Contains('-', StringComparison.Ordinal))
                {
                    return $"{Name} field '{element}' is malformed: a range has one '-'";
                }

                if (ParseValue(firstText, rangeEnd: false, out first) is { } firstProblem)
                {
                    return firstProblem;
                }

                if (ParseValue(lastText, rangeEnd: true, out last) is { } lastProblem)
                {
                    return lastProblem;
                }

                if (first > last)
                {
                    return $"{Name} field '{element}': range {first}-{last} is backwards; the start must not be after the end";
                }
            }
        }

        for (var value = first; value <= last; value += step ?? 1)
        {
            bits |= 1UL << value;
        }

        return null;
    }

    private string? ParseValue(string token, bool rangeEnd, out int value)
    {
        value = 0;
        if (token.All(char.IsAsciiDigit))
        {
            value = token.Length <= 6 ? int.Parse(token, CultureInfo.InvariantCulture) : int.MaxValue;
            return value < Min || value > Max ? $"{Name} field '{token}' is out of range {Min}-{Max}" : null;
        }

        if (names is not null && token.All(char.IsAsciiLetter))
        {
            var index = Array.FindIndex(names, name => string.Equals(name, token, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                return $"unknown {nameKind} name '{token}'";
            }

            value = Min + index;

            // SUN closing a range means 7, so that "FRI-SUN" reads as Friday to Sunday.
            if (IsDayOfWeek && rangeEnd && value == 0)
            {
                value = 7;
            }

            return null;
        }

        return $"{Name} field '{token}' is not a number";
    }
}
