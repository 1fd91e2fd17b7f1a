using System.Collections.Generic;
using System.Diagnostics.Tracing;

namespace ReclaimFast.Tests.Infrastructure;

/// <summary>
/// An in-process listener that records every event of the <c>ReclaimFast</c> EventSource at Verbose level, all
/// keywords. It allocates on the emitting thread: use it only in the <see cref="ZeroAllocCollection"/>.
/// </summary>
public sealed class TracepointRecorder : EventListener
{
    /// <summary>The events written while the recorder was alive, in order.</summary>
    public List<EventWrittenEventArgs> Events { get; } = new();

    /// <inheritdoc/>
    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "ReclaimFast")
            EnableEvents(source, EventLevel.Verbose, EventKeywords.All);
    }

    /// <inheritdoc/>
    protected override void OnEventWritten(EventWrittenEventArgs eventData) => Events.Add(eventData);
}
