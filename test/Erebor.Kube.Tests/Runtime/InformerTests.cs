using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Kube.Tests.Fakes;

namespace Erebor.Kube.Tests.Runtime;

public sealed class InformerTests
{
    private static V1ConfigMap Map(string name, string rv, string value = "") => new()
    {
        Metadata = new ObjectMeta { Namespace = "ns", Name = name, ResourceVersion = rv },
        Data = new() { ["v"] = value },
    };

    private static WatchEvent<V1ConfigMap> Event(WatchEventType type, V1ConfigMap map) => new(type, map);

    private static async Task<(Informer<V1ConfigMap> Informer, List<InformerEvent<V1ConfigMap>> Seen)> RunUntilExhaustedAsync(ScriptedKubeApi api)
    {
        var informer = new Informer<V1ConfigMap>(api) { MaxBackoff = TimeSpan.FromMilliseconds(1) };
        var seen = new List<InformerEvent<V1ConfigMap>>();
        informer.Changed += seen.Add;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var run = informer.RunAsync(cts.Token);
        await api.Exhausted.Task.WaitAsync(cts.Token);
        await cts.CancelAsync();
        await run;
        return (informer, seen);
    }

    [Fact]
    public async Task Lists_then_watches_from_the_list_version_and_resumes_from_the_last_event_when_the_watch_closes()
    {
        var api = new ScriptedKubeApi();
        api.EnqueueList("10", Map("a", "5"));
        api.EnqueueWatch([Event(WatchEventType.Added, Map("b", "11")), Event(WatchEventType.Modified, Map("a", "12", "x"))]);
        api.EnqueueWatch([Event(WatchEventType.Deleted, Map("b", "13"))]);

        var (informer, seen) = await RunUntilExhaustedAsync(api);

        api.WatchedFrom.Should().Equal("10", "12", "13");
        api.ListCalls.Should().Be(1, "a watch that merely closed is resumed, not relisted");
        seen.Select(e => (e.Type, e.Object.Metadata.Name)).Should().Equal(
            (WatchEventType.Added, "a"), (WatchEventType.Added, "b"), (WatchEventType.Modified, "a"), (WatchEventType.Deleted, "b"));
        informer.List().Select(m => m.Metadata.Name).Should().Equal("a");
        informer.Get("ns/a")!.Data!["v"].Should().Be("x");
    }

    [Fact]
    public async Task Bookmarks_advance_the_resume_version_without_events()
    {
        var api = new ScriptedKubeApi();
        api.EnqueueList<V1ConfigMap>("10");
        api.EnqueueWatch([Event(WatchEventType.Bookmark, Map(string.Empty, "40"))]);

        var (_, seen) = await RunUntilExhaustedAsync(api);

        api.WatchedFrom.Should().Equal("10", "40");
        seen.Should().BeEmpty();
    }

    [Fact]
    public async Task Gone_relists_and_turns_the_difference_into_events_so_nothing_is_missed()
    {
        var api = new ScriptedKubeApi();
        api.EnqueueList("10", Map("a", "5"), Map("b", "6"), Map("c", "7"));
        api.EnqueueWatch<V1ConfigMap>([], ScriptedKubeApi.Gone());
        // While the watch was unavailable: b changed, c was deleted, d was created; a is untouched.
        api.EnqueueList("50", Map("a", "5"), Map("b", "20", "new"), Map("d", "30"));

        var (informer, seen) = await RunUntilExhaustedAsync(api);

        api.ListCalls.Should().Be(2);
        api.WatchedFrom.Should().Equal("10", "50");
        informer.Relists.Should().Be(1);
        seen.Skip(3).Select(e => (e.Type, e.Object.Metadata.Name)).Should().BeEquivalentTo(
            [(WatchEventType.Modified, "b"), (WatchEventType.Added, "d"), (WatchEventType.Deleted, "c")]);
        informer.List().Select(m => m.Metadata.Name).Should().BeEquivalentTo(["a", "b", "d"]);
    }

    [Fact]
    public async Task A_connection_error_retries_from_the_same_version_without_relisting()
    {
        var api = new ScriptedKubeApi();
        api.EnqueueList<V1ConfigMap>("10");
        api.EnqueueWatch([Event(WatchEventType.Added, Map("a", "11"))], new HttpRequestException("connection refused"));
        api.EnqueueWatch<V1ConfigMap>([], new HttpRequestException("connection refused"));
        api.EnqueueWatch([Event(WatchEventType.Added, Map("b", "12"))]);

        var (informer, _) = await RunUntilExhaustedAsync(api);

        api.WatchedFrom.Should().Equal("10", "11", "11", "12");
        api.ListCalls.Should().Be(1);
        informer.HasSynced.Should().BeTrue();
        informer.List().Should().HaveCount(2);
    }
}
