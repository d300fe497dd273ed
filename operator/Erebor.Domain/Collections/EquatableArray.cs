using System.Collections;
using System.Runtime.CompilerServices;

namespace Erebor.Domain.Collections;

/// <summary>
/// An immutable array with value equality, so that records holding lists (OpenFlow actions and
/// match fields, DHCP routers, a client identifier's bytes) compare by content:
/// <c>decode(encode(x)) == x</c>, desired flows == installed flows, <c>Parse(message.ToBytes()) == message</c>.
/// <c>default</c> is the empty array. Build it with a collection expression:
/// <c>EquatableArray&lt;Ipv4Address&gt; routers = [gateway];</c>
/// </summary>
[CollectionBuilder(typeof(EquatableArray), nameof(EquatableArray.Create))]
public readonly struct EquatableArray<T> : IReadOnlyList<T>, IEquatable<EquatableArray<T>>
{
    private readonly T[]? _items;

    /// <summary>Takes ownership of <paramref name="items"/>: only <see cref="EquatableArray.Create"/> calls it, with a fresh copy.</summary>
    internal EquatableArray(T[] items) => _items = items;

    public int Count => _items?.Length ?? 0;

    public bool IsEmpty => Count == 0;

    public T this[int index] => AsSpan()[index];

    public ReadOnlySpan<T> AsSpan() => _items;

    /// <summary>A struct enumerator, so that <c>foreach</c> in the codecs' encode loops allocates nothing.</summary>
    public Enumerator GetEnumerator() => new(_items ?? []);

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => ((IEnumerable<T>)(_items ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => (_items ?? []).GetEnumerator();

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

    /// <summary>Hex for bytes (how packet and OpenFlow dumps show them), else the items in brackets.</summary>
    public override string ToString() =>
        typeof(T) == typeof(byte) ? Convert.ToHexString((byte[]?)(object?)_items ?? []) : $"[{string.Join(", ", _items ?? [])}]";

    public struct Enumerator(T[] items)
    {
        private int _index = -1;

        public readonly T Current => items[_index];

        public bool MoveNext() => ++_index < items.Length;
    }
}

public static class EquatableArray
{
    /// <summary>Copies <paramref name="items"/>; the collection-expression builder.</summary>
    public static EquatableArray<T> Create<T>(ReadOnlySpan<T> items) => items.IsEmpty ? default : new EquatableArray<T>(items.ToArray());
}
