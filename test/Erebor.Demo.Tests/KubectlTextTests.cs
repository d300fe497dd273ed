namespace Erebor.Demo.Tests;

public sealed class KubectlTextTests
{
    [Fact]
    public void Describe_loses_its_managed_fields_block_and_keeps_everything_else()
    {
        const string describe = """
            Name:         frontend
            Metadata:
              Creation Timestamp:  2026-11-22T03:23:15Z
              Managed Fields:
                API Version:  erebor.io/v1alpha1
                fieldsV1:
                  f:status:

                Manager:      erebor
              Resource Version:  247
            Spec:
              Cidr:  10.10.1.0/24
            """;

        KubectlText.WithoutManagedFields(describe).Should().Be("""
            Name:         frontend
            Metadata:
              Creation Timestamp:  2026-11-22T03:23:15Z
              Resource Version:  247
            Spec:
              Cidr:  10.10.1.0/24
            """);
    }
}
