using Erebor.Api;
using Erebor.Domain.Networking;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Operator.Validation;

namespace Erebor.Operator.Controllers;

public static class RouterReasons
{
    public const string InterfacesResolved = "InterfacesResolved";
    public const string InvalidSpec = "InvalidSpec";
    public const string SubnetNotFound = "SubnetNotFound";
    public const string SubnetNotReady = "SubnetNotReady";
}

/// <summary>
/// Resolves a Router's interfaces against the Subnets of its namespace: the address of each
/// interface (the subnet's gateway unless given) and a MAC that is stable for the Router's life;
/// reports which nodes (those holding a block of an attached subnet) have programmed its current
/// generation, from the NodeAgents.
/// </summary>
public sealed class RouterController(
    Informer<V1Alpha1Subnet> subnets,
    Informer<V1Alpha1NodeAgent> agents,
    StatusWriter statusWriter,
    EventRecorder events,
    TimeProvider time,
    TimeSpan agentStaleAfter) : IEntityController<V1Alpha1Router>
{
    public async Task<ReconcileResult> ReconcileAsync(V1Alpha1Router router, CancellationToken ct)
    {
        var before = KubeJson.Clone(router.Status);
        var status = router.Status;
        var now = time.GetUtcNow();
        var generation = router.Metadata.Generation;
        status.ObservedGeneration = generation;

        var errors = new List<FieldError>();
        var resolved = RouterValidation.Validate(router, SubnetNamed(router), errors);
        status.Interfaces = [.. resolved.Select(i => new V1Alpha1Router.InterfaceStatus
        {
            Subnet = i.Subnet,
            Cidr = i.Model.Cidr.ToString(),
            Ip = i.Ip.ToString(),
            Mac = InterfaceMac(router, i.Subnet).ToString(),
        })];
        status.InterfaceCount = status.Interfaces.Count;

        var missing = router.Spec.Interfaces.Select(i => i.Subnet).Where(s => !s.Contains('/') && SubnetNamed(router)(s) is null).ToList();
        var notReady = resolved.Select(i => i.Subnet).Where(s => !Conditions.IsTrue(SubnetNamed(router)(s)!.Status.Conditions, ConditionTypes.Ready)).ToList();
        var (ready, reason, message) = (errors.Count, missing.Count, notReady.Count) switch
        {
            ( > 0, _, _) => (false, RouterReasons.InvalidSpec, FieldError.Join(errors)),
            (_, > 0, _) => (false, RouterReasons.SubnetNotFound, $"Subnet(s) {string.Join(", ", missing)} do not exist in namespace {router.Metadata.Namespace}"),
            (_, _, > 0) => (false, RouterReasons.SubnetNotReady, $"Subnet(s) {string.Join(", ", notReady)} are not Ready"),
            _ => (true, RouterReasons.InterfacesResolved, $"{status.InterfaceCount} interface(s): {string.Join(", ", status.Interfaces.Select(i => $"{i.Subnet}={i.Ip}"))}"),
        };
        if (Conditions.Set(status.Conditions, ConditionTypes.Ready, ready, reason, message, generation, now))
        {
            await events.RecordAsync(router, ready ? EventTypes.Normal : EventTypes.Warning, reason, message, ct);
        }

        var key = ObjectKey.Of(router).ToString();
        var reports = status.Interfaces
            .SelectMany(i => SubnetNamed(router)(i.Subnet)?.Status.NodeBlocks ?? [])
            .Select(b => b.Node)
            .Distinct()
            .ToDictionary(node => node, node => agents.Get(node) is { } agent ? AgentReport.ForRouter(agent, key) : null);
        var programmed = ProgrammedStatus.Summarize(generation ?? 0, reports, now, agentStaleAfter);
        status.Programmed = programmed.Count;
        Conditions.Set(status.Conditions, ConditionTypes.Programmed, programmed.Status, programmed.Reason, programmed.Message, generation, now);

        await statusWriter.WriteIfChangedAsync(router, before, ct);
        return programmed.RecheckAt is { } at ? ReconcileResult.RequeueIn(at - now) : ReconcileResult.Done;
    }

    /// <summary>Derived from the Router's uid: stable across operator restarts, new if the Router is recreated.</summary>
    public static MacAddress InterfaceMac(V1Alpha1Router router, string subnet) => MacAddress.StableLocal($"{router.Metadata.Uid}/{subnet}");

    private Func<string, V1Alpha1Subnet?> SubnetNamed(V1Alpha1Router router) =>
        name => subnets.Get(new ObjectKey(router.Metadata.Namespace, name));
}
