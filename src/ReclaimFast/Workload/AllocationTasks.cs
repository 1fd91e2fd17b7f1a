using System;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Workload;

/// <summary>
/// A workload task that reads a file into the page cache: each step adds <c>burst</c> pages as
/// <c>add_to_page_cache_lru</c> leaves them (one reference, NR_FILE_PAGES, on the lru_add pagevec). The file's
/// address_space is a native stand-in until the page-cache issue. Exits after <c>totalPages</c> pages.
/// </summary>
public sealed unsafe class PageCacheFillTask : EmulatedTask
{
    private readonly long _totalPages;
    private readonly int _burst;
    private readonly uint _gfp;
    private nint _mapping;
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
        if (_mapping == 0)
            _mapping = (nint)machine.Heap.Alloc(64);
        for (int i = 0; i < _burst && _added < _totalPages; i++)
        {
            Page* page = machine.AllocPages(_gfp, 0, -1);
            if (page == null)
            {
                Failures++;
                return -1;
            }
            page->Mapping = (ulong)_mapping;
            page->Index = (ulong)_added;
            machine.ModNodePageState(machine.PagePgdat(page), NodeStatItem.NrFilePages, 1);
            machine.LruCacheAddPage(page);
            if (DirtyEvery != 0 && _added % DirtyEvery == 0)
                machine.SetPageDirtyFile(page);
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
