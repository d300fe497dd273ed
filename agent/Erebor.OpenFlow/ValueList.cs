using System.Collections;
using System.Runtime.CompilerServices;
using System.Text;

namespace Erebor.OpenFlow;

/// <summary>
/// An immutable list with value equality, so that messages built from records compare by content
/// (decode(encode(x)) == x, desired flows == installed flows). <c>default</c> is the empty list.
/// Build it with a collection expression: <c>ValueList&lt;OfpAction&gt; actions = [new OutputAction(3)];</c>
/// </summary>
[CollectionBuilder(typeof(ValueList), nameof(ValueList.Create))]
public readonly struct ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[]? _items;

    /// <summary>Takes ownership of <paramref name="items"/>: callers must not mutate it afterwards.</summary>
    internal ValueList(T[] items) => _items = items;

    public static ValueList<T> Empty => default;

    public int Count => _items?.Length ?? 0;

    public T this[int index] => (_items ?? [])[index];

    public ReadOnlySpan<T> AsSpan() => _items;

    public Enumerator GetEnumerator() => new(_items ?? []);

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => ((IEnumerable<T>)(_items ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => (_items ?? []).GetEnumerator();

    public bool Equals(ValueList<T> other) => AsSpan().SequenceEqual(other.AsSpan());

    public override bool Equals(object? obj) => obj is ValueList<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in AsSpan()) { hash.Add(item); }
        return hash.ToHashCode();
    }

    public static bool operator ==(ValueList<T> left, ValueList<T> right) => left.Equals(right);

    public static bool operator !=(ValueList<T> left, ValueList<T> right) => !left.Equals(right);

    public override string ToString()
    {
        if (typeof(T) == typeof(byte)) { return Convert.ToHexString(MemoryMarshalBytes()); }
        var text = new StringBuilder("[");
        foreach (var item in AsSpan())
        {
            if (text.Length > 1) { text.Append(", "); }
            text.Append(item);
        }

        return text.Append(']').ToString();
    }

    private ReadOnlySpan<byte> MemoryMarshalBytes() => (byte[]?)(object?)_items;

    public struct Enumerator(T[] items)
    {
        private int _index = -1;

        public readonly T Current => items[_index];

        public bool MoveNext() => ++_index < items.Length;
    }
}

public static class ValueList
{
    public static ValueList<T> Create<T>(ReadOnlySpan<T> items) => items.IsEmpty ? default : new ValueList<T>(items.ToArray());
}
