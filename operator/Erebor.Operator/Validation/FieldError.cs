namespace Erebor.Operator.Validation;

/// <summary>One thing wrong with an object, named by its field path, in words a user can act on.</summary>
public sealed record FieldError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";

    public static string Join(IEnumerable<FieldError> errors) => string.Join("; ", errors);
}
