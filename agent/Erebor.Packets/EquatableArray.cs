using System.Collections;
using System.Runtime.CompilerServices;

namespace Erebor.Packets;

/// <summary>
/// An immutable array with value equality, so that records holding lists (DHCP routers, a client
/// identifier's bytes) compare by content and <c>Parse(message.ToBytes()) == message</c> holds.
/// <c>default</c> is the empty array. Build it with a collection expression: <c>EquatableArray&lt;Ipv4Address&gt; routers = [gateway];</c>
/// </summary>
[CollectionBuilder(typeof(EquatableArray), nameof(EquatableArray.Create))]
public readonly struct EquatableArray<T> : IReadOnlyList<T>, IEquatable<EquatableArray<T>>
{
    private readonly T[]? _items;

    /// <summary>Takes ownership of <paramref name="items"/>: callers must not mutate it afterwards.</summary>
    internal EquatableArray(T[] items) => _items = items;

    public int Count => _items?.Length ?? 0;

    public bool IsEmpty => Count == 0;

    public T this[int index] => AsSpan()[index];

    public ReadOnlySpan<T> AsSpan() => _items;

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(_items ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(EquatableArray<T> other) => AsSpan().SequenceEqual(other.AsSpan());

    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in AsSpan()) { hash.Add(item); }
        return hash.ToHashCode();
    }

    public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

    public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);

    /// <summary>Hex for bytes (how packet dumps show them), else the items in brackets.</summary>
    public override string ToString() =>
        _items is byte[] bytes ? Convert.ToHexString(bytes) : $"[{string.Join(", ", _items ?? [])}]";
}

public static class EquatableArray
{
    public static EquatableArray<T> Create<T>(ReadOnlySpan<T> items) => items.IsEmpty ? default : new EquatableArray<T>(items.ToArray());
}
