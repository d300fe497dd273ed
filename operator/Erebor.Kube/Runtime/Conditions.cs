using Erebor.Kube.Entities;

namespace Erebor.Kube.Runtime;

/// <summary>Sets standard conditions so that lastTransitionTime moves only when the status does.</summary>
public static class Conditions
{
    /// <summary>Sets the condition; returns true when anything about it changed.</summary>
    public static bool Set(List<Condition> conditions, string type, bool status, string reason, string message, long? observedGeneration, DateTimeOffset now) =>
        Set(conditions, type, status ? ConditionStatus.True : ConditionStatus.False, reason, message, observedGeneration, now);

    public static bool Set(List<Condition> conditions, string type, string status, string reason, string message, long? observedGeneration, DateTimeOffset now)
    {
        var existing = Find(conditions, type);
        if (existing is null)
        {
            conditions.Add(new Condition { Type = type, Status = status, Reason = reason, Message = message, ObservedGeneration = observedGeneration, LastTransitionTime = now });
            return true;
        }

        var changed = existing.Status != status || existing.Reason != reason || existing.Message != message || existing.ObservedGeneration != observedGeneration;
        if (existing.Status != status) { existing.LastTransitionTime = now; }
        existing.Status = status;
        existing.Reason = reason;
        existing.Message = message;
        existing.ObservedGeneration = observedGeneration;
        return changed;
    }

    public static Condition? Find(IEnumerable<Condition> conditions, string type) => conditions.FirstOrDefault(c => c.Type == type);

    public static bool IsTrue(IEnumerable<Condition> conditions, string type) => Find(conditions, type)?.Status == ConditionStatus.True;
}
