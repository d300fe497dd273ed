using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Multipart;

namespace Erebor.OpenFlow.Connection;

/// <summary>A request waiting for its reply; multipart replies are collected until the part without MORE.</summary>
internal sealed class PendingRequest(OpenFlowMessage request, uint xid)
{
    private readonly TaskCompletionSource<OpenFlowMessage> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<MultipartReply>? _parts;

    public Task<OpenFlowMessage> Reply => _reply.Task;

    /// <summary>Takes a message with this request's xid; true when the request is complete.</summary>
    public bool Accept(OpenFlowMessage message)
    {
        switch (message)
        {
            case ErrorMessage error:
                _reply.TrySetException(new OpenFlowErrorException(request, xid, error));
                return true;
            case MultipartReply part when part.Flags.HasFlag(MultipartFlags.More):
                (_parts ??= []).Add(part);
                return false;
            case MultipartReply last when _parts is not null:
                try
                {
                    _reply.TrySetResult(_parts[0].CombineWith([.. _parts.Skip(1), last]));
                }
                catch (OpenFlowDecodeException mismatch)
                {
                    _reply.TrySetException(mismatch);
                }

                return true;
            default:
                _reply.TrySetResult(message);
                return true;
        }
    }

    public void Fail(Exception error) => _reply.TrySetException(error);
}

/// <summary>Collects errors for a run of consecutive xids (a batch or a bundle's messages), by index.</summary>
internal sealed class BatchTracker(uint firstXid, IReadOnlyList<OpenFlowMessage> messages)
{
    private readonly List<MessageFailure> _failures = [];

    public bool TryRecord(uint xid, ErrorMessage error)
    {
        var index = unchecked(xid - firstXid);
        if (index >= (uint)messages.Count) { return false; }
        lock (_failures) { _failures.Add(new MessageFailure((int)index, messages[(int)index], error)); }
        return true;
    }

    public IReadOnlyList<MessageFailure> Failures
    {
        get
        {
            lock (_failures) { return [.. _failures.OrderBy(f => f.Index)]; }
        }
    }
}
