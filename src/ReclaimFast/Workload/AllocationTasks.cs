using System;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Workload;

/// <summary>
/// A workload task that reads a file sequentially into the page cache: each step reads <c>burst</c> pages
/// (<c>page_cache_alloc</c>, <c>add_to_page_cache_lru</c>, <c>->readpage</c> bringing in the file's content token,
/// unlock, the reader's <c>put_page</c>), paying the page-cache read latency. Exits after <c>totalPages</c> pages.
/// </summary>
public sealed unsafe class PageCacheFillTask : EmulatedTask
{
    private readonly long _totalPages;
    private readonly int _burst;
    private readonly uint _gfp;
    private Mm.Filemap.AddressSpace* _mapping;
    private Mm.Filemap.Inode* _inode;
    private long _added;

    /// <summary>Creates the task.</summary>
    public PageCacheFillTask(string name, long totalPages, int burst, uint gfp = Gfp.HighUserMovable) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalPages);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _totalPages = totalPages;
        _burst = burst;
        _gfp = gfp;
    }

    /// <summary>Pages added to the page cache so far.</summary>
    public long PagesAdded => _added;

    /// <summary>When non-zero, every n-th page is written (dirtied, <c>set_page_dirty</c>) after it is read.</summary>
    public int DirtyEvery { get; init; }

    /// <summary>Allocations that failed.</summary>
    public long Failures { get; private set; }

    /// <inheritdoc />
    protected internal override long Step(Machine machine)
    {
        if (_mapping == null)
        {
            Mm.Filemap.File* file = machine.CreateFile((ulong)_totalPages);
            _mapping = file->FMapping;
            _inode = file->FInode;
        }
        for (int i = 0; i < _burst && _added < _totalPages; i++)
        {
            Page* page = machine.AllocPages(_gfp, 0, -1);
            if (page == null)
            {
                Failures++;
                return -1;
            }
            machine.AddToPageCacheLru(page, _mapping, (ulong)_added);
            // ->readpage: the read brings in the file's content.
            machine.IoJiffiesPending += machine.PageCacheReadLatencyJiffies;
            machine.ContentToken[machine.PageToPfn(page)] = _inode->DiskToken[_added];
            PageOps.SetPageUptodate(page);
            PageOps.ClearPageLocked(page);
            if (DirtyEvery != 0 && _added % DirtyEvery == 0)
                machine.SetPageDirtyFile(page);
            machine.PutPage(page);
            _added++;
        }
        return _added < _totalPages ? 0 : -1;
    }
}

/// <summary>
/// A workload task that allocates and keeps unreclaimable pages (kernel memory), <c>burst</c> order-0 pages a step,
/// until it holds <c>totalPages</c>; then it exits, keeping them. Creates pressure that only reclaim of other pages
/// relieves.
/// </summary>
public sealed unsafe class PinnedAllocTask : EmulatedTask
{
    private readonly long _totalPages;
    private readonly int _burst;
    private readonly uint _gfp;
    private long _held;

    /// <summary>Creates the task.</summary>
    public PinnedAllocTask(string name, long totalPages, int burst, uint gfp = Gfp.Kernel) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalPages);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _totalPages = totalPages;
        _burst = burst;
        _gfp = gfp;
    }

    /// <summary>Pages held.</summary>
    public long PagesHeld => _held;

    /// <summary>Allocations that failed.</summary>
    public long Failures { get; private set; }

    /// <inheritdoc />
    protected internal override long Step(Machine machine)
    {
        for (int i = 0; i < _burst && _held < _totalPages; i++)
        {
            if (machine.AllocPages(_gfp, 0, -1) == null)
            {
                Failures++;
                return -1;
            }
            _held++;
        }
        return _held < _totalPages ? 0 : -1;
    }
}

/// <summary>
/// A process that maps <c>pages</c> of anonymous memory and writes it, <c>burst</c> pages a step, sweeping the region
/// <c>passes</c> times (later passes find pages resident, or swapped out and fault them back). It exits when done,
/// freeing its memory; a fault that cannot get memory (VM_FAULT_OOM) ends it too.
/// </summary>
public sealed unsafe class AnonTouchTask : EmulatedTask
{
    private readonly long _pages;
    private readonly int _burst;
    private readonly int _passes;
    private readonly short _oomScoreAdj;
    private ulong _base;
    private long _next;

    /// <summary>Creates the task; <paramref name="oomScoreAdj"/> is its <c>oom_score_adj</c> (−1000..1000).</summary>
    public AnonTouchTask(string name, long pages, int burst, int passes = 1, short oomScoreAdj = 0) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pages);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(passes);
        if (oomScoreAdj < -1000 || oomScoreAdj > 1000)
            throw new ArgumentOutOfRangeException(nameof(oomScoreAdj), oomScoreAdj, "oom_score_adj is -1000..1000");
        _pages = pages;
        _burst = burst;
        _passes = passes;
        _oomScoreAdj = oomScoreAdj;
    }

    /// <summary>Page writes done so far.</summary>
    public long Writes => _next;

    /// <summary>Whether a fault failed with VM_FAULT_OOM.</summary>
    public bool FaultOom { get; private set; }

    /// <inheritdoc />
    protected internal override long Step(Machine machine)
    {
        if (KernelTask == null)
        {
            KernelTask = machine.CreateTask();
            KernelTask->OomScoreAdj = _oomScoreAdj;
            machine.CurrentTaskStruct = KernelTask;
            _base = machine.DoMmap(KernelTask, 0, (ulong)_pages * Pfn.PageSize, Mm.Memory.VmFlags.Read | Mm.Memory.VmFlags.Write,
                Mm.Memory.MapFlags.Private | Mm.Memory.MapFlags.Anonymous);
        }
        long end = _pages * _passes;
        for (int i = 0; i < _burst && _next < end; i++)
        {
            ulong address = _base + (ulong)(_next % _pages) * Pfn.PageSize;
            if (machine.Access(KernelTask, address, write: true) == Mm.Memory.AccessResult.OutOfMemory)
            {
                FaultOom = true;
                return -1;
            }
            _next++;
            if (KernelTask->OomVictim)
                return -1;      // SIGKILL pending: the task dies on return to user mode
        }
        return _next < end ? 0 : -1;
    }
}
