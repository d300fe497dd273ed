namespace Erebor.Protection.Banks;

/// <summary>Why a bank operation failed, for conditions and for deciding whether a retry can help.</summary>
public enum BankFailure
{
    /// <summary>The endpoint cannot be reached (connection refused, DNS, timeout).</summary>
    Unreachable,

    /// <summary>The bank itself is missing: a filesystem root that does not exist, an S3 bucket that does not exist.</summary>
    BankNotFound,

    /// <summary>The bank refuses writes: a read-only filesystem.</summary>
    ReadOnly,

    /// <summary>No space left (ENOSPC, EDQUOT, an S3 quota or HTTP 507).</summary>
    Full,

    /// <summary>Permission or credentials refused.</summary>
    AccessDenied,

    /// <summary>The object asked for does not exist.</summary>
    ObjectNotFound,

    /// <summary>Anything else the bank reported; the message has the details.</summary>
    Other,
}

/// <summary>A bank operation failed; <see cref="Exception.Message"/> is precise enough for a condition's message.</summary>
public class BankException : IOException
{
    public BankException(BankFailure failure, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
    }

    public BankFailure Failure { get; }
}

/// <summary>A lease this process held has expired or was taken over by another holder.</summary>
public sealed class LeaseLostException(string message) : BankException(BankFailure.Other, message);

/// <summary>Key rules shared by every bank.</summary>
public static class BankKeys
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="key"/> is a relative '/'-separated path of safe segments.</summary>
    public static void Validate(string key, bool allowEmpty = false, bool folder = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            if (allowEmpty) { return; }
            throw new ArgumentException("a bank key cannot be empty", nameof(key));
        }

        var body = folder && key.EndsWith('/') ? key[..^1] : key;
        if (folder && !key.EndsWith('/'))
        {
            throw new ArgumentException($"bank folder '{key}' must end with '/'", nameof(key));
        }

        foreach (var segment in body.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                throw new ArgumentException($"bank key '{key}' has an empty, '.' or '..' segment", nameof(key));
            }

            if (segment.Any(c => c == '\\' || char.IsControl(c)))
            {
                throw new ArgumentException($"bank key '{key}' contains a backslash or a control character", nameof(key));
            }
        }
    }
}
