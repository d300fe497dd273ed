namespace Erebor.Metrics.Tests;

public class PrometheusNamingTests
{
    [Theory]
    [InlineData("erebor_operator_reconciles", null, true, "erebor_operator_reconciles_total")]
    [InlineData("erebor_operator_reconciles_total", null, true, "erebor_operator_reconciles_total")]
    [InlineData("erebor.agent.packet-ins", null, true, "erebor_agent_packet_ins_total")]
    [InlineData("erebor_reconcile_duration", "s", false, "erebor_reconcile_duration_seconds")]
    [InlineData("erebor_reconcile_duration_seconds", "s", false, "erebor_reconcile_duration_seconds")]
    [InlineData("erebor_wait_total", "s", true, "erebor_wait_seconds_total")]
    [InlineData("erebor_wait_seconds_total", "s", true, "erebor_wait_seconds_total")]
    [InlineData("erebor_bank_written", "By", true, "erebor_bank_written_bytes_total")]
    [InlineData("erebor_flows", "{flows}", false, "erebor_flows")]
    [InlineData("erebor_packet_in_rate", "{packets}/s", false, "erebor_packet_in_rate_per_second")]
    [InlineData("erebor_throughput", "By/s", false, "erebor_throughput_bytes_per_second")]
    [InlineData("erebor_ratio", "1", false, "erebor_ratio")]
    [InlineData("erebor_disk", "%", false, "erebor_disk_percent")]
    [InlineData("erebor_latency", "ms", false, "erebor_latency_milliseconds")]
    [InlineData("erebor_odd", "furlongs", false, "erebor_odd_furlongs")]
    [InlineData("erebor_odd", "k m", false, "erebor_odd_k_m")]
    [InlineData("9lives", null, false, "_9lives")]
    [InlineData("job:erebor_up:sum", null, false, "job:erebor_up:sum")]
    [InlineData("seconds", "s", false, "seconds")]
    public void Metric_names_follow_prometheus_conventions(string instrumentName, string? unit, bool isCounter, string expected)
    {
        PrometheusNaming.MetricName(instrumentName, unit, isCounter).Should().Be(expected);
    }

    [Theory]
    [InlineData("node", "node")]
    [InlineData("http.method", "http_method")]
    [InlineData("k8s-namespace", "k8s_namespace")]
    [InlineData("9x", "_9x")]
    [InlineData("a:b", "a_b")]
    [InlineData("", "_")]
    public void Label_names_are_sanitized(string tagKey, string expected)
    {
        PrometheusNaming.LabelName(tagKey).Should().Be(expected);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("a \"quote\"", "a \\\"quote\\\"")]
    [InlineData("new\nline", "new\\nline")]
    [InlineData("\\\"\n", "\\\\\\\"\\n")]
    [InlineData("ünïcødé ✓ {},=", "ünïcødé ✓ {},=")]
    public void Label_values_escape_backslash_quote_and_newline(string value, string expected)
    {
        PrometheusNaming.EscapeLabelValue(value).Should().Be(expected);
    }

    [Fact]
    public void Help_escapes_backslash_and_newline_but_not_quotes()
    {
        PrometheusNaming.EscapeHelp("a \"b\" \\ c\nd").Should().Be("a \"b\" \\\\ c\\nd");
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.005, "0.005")]
    [InlineData(1e20, "1E+20")]
    [InlineData(1.5e-7, "1.5E-07")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Values_use_go_float_syntax(double value, string expected)
    {
        PrometheusNaming.FormatValue(value).Should().Be(expected);
    }

    [Fact]
    public void Tag_values_are_invariant_text()
    {
        PrometheusNaming.LabelValueText(null).Should().BeEmpty();
        PrometheusNaming.LabelValueText(true).Should().Be("true");
        PrometheusNaming.LabelValueText(false).Should().Be("false");
        PrometheusNaming.LabelValueText(1.5).Should().Be("1.5");
        PrometheusNaming.LabelValueText(42).Should().Be("42");
        PrometheusNaming.LabelValueText(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc)).Should().Be("01/02/2024 03:04:05");
        PrometheusNaming.LabelValueText(new Uri("http://x/")).Should().Be("http://x/");
    }
}
