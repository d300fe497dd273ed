using Erebor.Domain.Scheduling;

namespace Erebor.Domain.Tests.Scheduling;

public class MaxAgeTests
{
    [Theory]
    [InlineData("7d", 7 * 24 * 3600)]
    [InlineData("12h", 12 * 3600)]
    [InlineData("30m", 30 * 60)]
    [InlineData("45s", 45)]
    [InlineData("90m", 90 * 60)]
    [InlineData("1d12h", 36 * 3600)]
    [InlineData("1h30m", 90 * 60)]
    [InlineData("2d3h4m5s", (((2 * 24) + 3) * 3600) + (4 * 60) + 5)]
    [InlineData("0d1h", 3600)]
    [InlineData("36600d", 36600L * 24 * 3600)]
    public void Parses(string text, long seconds)
    {
        MaxAge.Parse(text).Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [Theory]
    [InlineData("", "max age is empty; expected a duration such as 7d, 12h, 30m or 45s")]
    [InlineData(null, "max age is empty; expected a duration such as 7d, 12h, 30m or 45s")]
    [InlineData("7", "max age '7' has no unit after 7; use d, h, m or s, e.g. 7d")]
    [InlineData("1d12", "max age '1d12' has no unit after 12; use d, h, m or s, e.g. 12d")]
    [InlineData("7x", "max age '7x' has unknown unit 'x'; use d (days), h (hours), m (minutes) or s (seconds), lower case")]
    [InlineData("7D", "max age '7D' has unknown unit 'D'; use d (days), h (hours), m (minutes) or s (seconds), lower case")]
    [InlineData("2w", "max age '2w' has unknown unit 'w'; use d (days), h (hours), m (minutes) or s (seconds), lower case")]
    [InlineData("7days", "max age '7days': write each unit as one lower-case letter (d, h, m, s), e.g. 7d")]
    [InlineData("1.5d", "max age '1.5d': fractions are not supported; use a smaller unit, e.g. 36h instead of 1.5d")]
    [InlineData("0d", "max age '0d' must be greater than zero")]
    [InlineData("0s", "max age '0s' must be greater than zero")]
    [InlineData("-1d", "max age '-1d' must be a positive duration without a sign; expected a duration such as 7d, 12h, 30m or 45s")]
    [InlineData("+1d", "max age '+1d' must be a positive duration without a sign; expected a duration such as 7d, 12h, 30m or 45s")]
    [InlineData("d", "max age 'd': expected a number at 'd'; expected a duration such as 7d, 12h, 30m or 45s")]
    [InlineData("7 d", "max age '7 d' contains whitespace; expected a duration such as 7d, 12h, 30m or 45s")]
    [InlineData("1h1d", "max age '1h1d': units must go from largest to smallest, each once (d, h, m, s)")]
    [InlineData("1h1h", "max age '1h1h': units must go from largest to smallest, each once (d, h, m, s)")]
    [InlineData("36601d", "max age '36601d' is too long; at most 36600d")]
    [InlineData("99999999999d", "max age '99999999999d' is too long; at most 36600d")]
    public void Errors_are_precise(string? text, string message)
    {
        MaxAge.TryParse(text, out var value, out var error).Should().BeFalse();
        value.Should().Be(TimeSpan.Zero);
        error.Should().Be(message);
    }

    [Theory]
    [InlineData(36 * 3600, "1d12h")]
    [InlineData(0, "0s")]
    [InlineData(90, "1m30s")]
    [InlineData(7 * 24 * 3600, "7d")]
    [InlineData(-3600, "-1h")]
    public void Formats_in_the_same_notation(long seconds, string text)
    {
        MaxAge.Format(TimeSpan.FromSeconds(seconds)).Should().Be(text);
        if (seconds > 0) { MaxAge.Parse(text).Should().Be(TimeSpan.FromSeconds(seconds)); }
    }
}
