using System;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.Memory;

namespace ReclaimFast.Workload.Traces;

/// <summary>
/// <c>replay --policy linux</c>: the trace as file I/O of one task inside a memory cgroup whose memory.max is the
/// cache size, on a machine large enough that global reclaim never starts, so the cgroup's limit is the only
/// pressure and the cache's capacity equals <c>--policy lru</c>'s. A read is read(2) of one page
/// (<c>generic_file_buffered_read</c>: hit → <c>mark_page_accessed</c>; miss → page-cache allocation charged to the
/// cgroup, whose limit reclaims through <c>try_to_free_mem_cgroup_pages</c> → <c>shrink_node</c> → … →
/// <c>shrink_page_list</c>, with workingset refault detection). A write is write(2) of one page, dirtying it; the
/// flusher writes dirty pages back. Emulator choices: the trace's page ids become file offsets numbered densely in
/// order of first reference (a sparse 32- or 64-bit block space as a file no larger than the pages touched); no
/// simulated time passes, so writeback work and its I/O complete at once (<see cref="Machine.WritebackInline"/>).
/// </summary>
public sealed unsafe class LinuxReplay : IDisposable
{
    /// <summary>The cgroup the replaying task runs in.</summary>
    public const string CgroupPath = "/replay";

    private readonly Machine _m;
    private readonly PageIdMap _ids = new();
    private readonly Mm.Filemap.File* _file;
    private readonly TaskStruct* _task;
    private long _requests;
    private long _misses;

    /// <summary>
    /// Boots the machine: one node with the cgroup's pages plus as much again and 256 MiB free, so free memory never
    /// falls to the low watermark and kswapd never runs; the cgroup gets memory.max = <paramref name="capacityPages"/>
    /// pages.
    /// </summary>
    public LinuxReplay(long capacityPages)
    {
        if (capacityPages < 1 || capacityPages > LruCacheSimulator.MaxCapacityPages)
            throw new ArgumentOutOfRangeException(nameof(capacityPages), capacityPages, $"capacity must be 1 .. {LruCacheSimulator.MaxCapacityPages} pages");
        CapacityPages = capacityPages;
        _m = Machine.Boot(MachineDescription.Uniform(1, (ulong)capacityPages * 2 + 65536));
        _m.WritebackInline = true;
        _m.MemCgroupCreate(CgroupPath);
        _m.MemCgroupSetKnob(CgroupPath, MemcgKnob.Max, (ulong)capacityPages * Mm.Types.Pfn.PageSize);
        _task = _m.CreateTask();
        _m.MemCgroupAttachTaskStruct(CgroupPath, _task);
        _m.CurrentTaskStruct = _task;
        _file = _m.CreateFile(1024);
    }

    /// <summary>The cgroup's memory.max in pages.</summary>
    public long CapacityPages { get; }

    /// <summary>The emulated machine (for its counters and reports).</summary>
    public Machine Machine => _m;

    /// <summary>Page references replayed.</summary>
    public long Requests => _requests;

    /// <summary>References that missed the page cache.</summary>
    public long Misses => _misses;

    /// <summary>References that hit.</summary>
    public long Hits => _requests - _misses;

    /// <summary>Misses / requests (0 before the first).</summary>
    public double MissRatio => _requests == 0 ? 0.0 : (double)_misses / _requests;

    /// <summary>Distinct pages referenced so far.</summary>
    public long DistinctPages => _ids.Count;

    /// <summary>Replays one reference; true on a hit.</summary>
    public bool Access(in TraceRecord record)
    {
        _requests++;
        ulong offset = _ids.GetOrAdd(record.Page);
        Mm.Filemap.Inode* inode = _file->FInode;
        if (offset >= inode->SizePages)
            _m.InodeExtend(inode, offset + 1);
        bool ok, hit;
        if (record.Kind == AccessKind.Write)
            ok = _m.FileWritePage(_file, offset, out hit);
        else
            ok = _m.FileReadPage(_file, offset, out hit);
        if (!ok)
            ThrowNoMemory(record);
        if (!hit)
            _misses++;
        return hit;
    }

    /// <summary>Replays every record of <paramref name="records"/> in order.</summary>
    public void Access(ReadOnlySpan<TraceRecord> records)
    {
        // The id map's home slots are fetched a few records ahead: the lookup is a cache miss otherwise.
        const int Ahead = 8;
        for (int i = 0; i < records.Length; i++)
        {
            if (i + Ahead < records.Length)
                _ids.Prefetch(records[i + Ahead].Page);
            Access(in records[i]);
        }
    }

    /// <summary>Replays the rest of <paramref name="reader"/>, <paramref name="buffer"/> at a time.</summary>
    public void Replay(TraceReader reader, Span<TraceRecord> buffer)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int n;
        while ((n = reader.Read(buffer)) > 0)
            Access(buffer.Slice(0, n));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowNoMemory(in TraceRecord record) =>
        throw new InvalidOperationException($"replay: no page could be allocated for {record} after {_requests} requests (the machine is too small; a bug)");

    /// <inheritdoc/>
    public void Dispose() => _m.Dispose();
}
