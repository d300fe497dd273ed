using System.CommandLine;

namespace Erebor.Operator.Hosting;

/// <summary>
/// An option whose text needs parsing (a duration, an address): help shows the default as the
/// user writes it, and a bad value is a usage error carrying the parser's message.
/// </summary>
public sealed class ParsedOption<T>
{
    private readonly Func<string, T> _parse;

    public ParsedOption(string name, string description, string? defaultText, Func<string, T> parse)
    {
        _parse = parse;
        Option = new Option<string?>(name) { Description = description };
        if (defaultText is not null) { Option.DefaultValueFactory = _ => defaultText; }
        Option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is not { } text) { return; }
            try { parse(text); }
            catch (FormatException e) { result.AddError($"{name}: {e.Message}"); }
        });
    }

    public Option<string?> Option { get; }

    public T? Get(ParseResult result) => result.GetValue(Option) is { } text ? _parse(text) : default;
}
