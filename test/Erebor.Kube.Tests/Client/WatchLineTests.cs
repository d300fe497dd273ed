using Erebor.Kube.Client;
using Erebor.Kube.Entities;

namespace Erebor.Kube.Tests.Client;

public sealed class WatchLineTests
{
    [Theory]
    [InlineData("ADDED", WatchEventType.Added)]
    [InlineData("MODIFIED", WatchEventType.Modified)]
    [InlineData("DELETED", WatchEventType.Deleted)]
    [InlineData("BOOKMARK", WatchEventType.Bookmark)]
    public void Decodes_each_event_type(string wire, WatchEventType expected)
    {
        var line = """{"type":"TYPE","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"n","resourceVersion":"7"},"data":{"k":"v"}}}""".Replace("TYPE", wire);
        var change = KubeApi.ParseWatchLine<V1ConfigMap>(line);
        change.Type.Should().Be(expected);
        change.Object.Metadata.ResourceVersion.Should().Be("7");
        change.Object.Data!["k"].Should().Be("v");
    }

    [Fact]
    public void An_error_event_for_an_expired_version_becomes_a_gone_exception()
    {
        const string line = """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 5 (90)","reason":"Expired","code":410}}""";
        var act = () => KubeApi.ParseWatchLine<V1ConfigMap>(line);
        act.Should().Throw<KubeApiException>().Which.IsGone.Should().BeTrue();
    }

    [Fact]
    public void Status_bodies_become_exceptions_that_classify_themselves()
    {
        var notFound = KubeApiException.FromStatus(System.Net.HttpStatusCode.NotFound, """{"kind":"Status","reason":"NotFound","message":"subnets.erebor.io \"x\" not found","code":404}""");
        notFound.IsNotFound.Should().BeTrue();
        notFound.Message.Should().Contain("\"x\" not found");

        var exists = KubeApiException.FromStatus(System.Net.HttpStatusCode.Conflict, """{"kind":"Status","reason":"AlreadyExists","message":"exists","code":409}""");
        exists.IsAlreadyExists.Should().BeTrue();
        exists.IsConflict.Should().BeFalse();

        KubeApiException.FromStatus(System.Net.HttpStatusCode.BadGateway, "<html>proxy</html>").ApiMessage.Should().Be("<html>proxy</html>");
    }
}
