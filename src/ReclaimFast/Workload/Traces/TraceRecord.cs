using System.Runtime.InteropServices;

namespace ReclaimFast.Workload.Traces;

/// <summary>What a trace record does to its page.</summary>
public enum AccessKind : byte
{
    /// <summary>A read (or a reference of unknown kind: formats without an operation are all reads).</summary>
    Read = 0,

    /// <summary>A write.</summary>
    Write = 1,
}

/// <summary>
/// One page reference of a trace: a 4 KiB page number and the access kind. Readers fill caller-provided
/// spans of these, so a replay allocates nothing per record.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct TraceRecord
{
    /// <summary>The 4 KiB page number referenced.</summary>
    public readonly ulong Page;

    /// <summary>Read or write.</summary>
    public readonly AccessKind Kind;

    /// <summary>Creates a record.</summary>
    public TraceRecord(ulong page, AccessKind kind)
    {
        Page = page;
        Kind = kind;
    }

    /// <summary>A read of <paramref name="page"/>.</summary>
    public static TraceRecord ReadOf(ulong page) => new(page, AccessKind.Read);

    /// <summary>A write of <paramref name="page"/>.</summary>
    public static TraceRecord WriteOf(ulong page) => new(page, AccessKind.Write);

    /// <inheritdoc/>
    public override string ToString() => Kind == AccessKind.Write ? $"W {Page}" : $"R {Page}";
}
