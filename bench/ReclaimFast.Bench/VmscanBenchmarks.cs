using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Bench;

/// <summary>
/// The reclaim core over N = 65536 pages per invocation (OperationsPerInvoke = N, so times are per page).
/// Each invocation first builds its LRU (allocation + lru_cache_add + drain); the baseline of each category does
/// exactly that setup and releases the pages the cheapest way, so reclaim's own cost per page is the difference.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class VmscanBenchmarks
{
    private const int N = 65536;
    private Machine _m = null!;
    private Mm.Filemap.AddressSpace* _mapping;
    private Page** _pages;
    private int* _perm;

    [GlobalSetup]
    public void Setup()
    {
        _m = Machine.Boot(MachineDescription.Uniform(1, 4 * N));
        _mapping = _m.CreateFile(N)->FMapping;
        _pages = (Page**)_m.Heap.AllocArray<nint>(N);
        _perm = _m.Heap.AllocArray<int>(N);
        RandomPermutation(_perm, N, new System.Random(42));
    }

    /// <summary>A Fisher-Yates permutation of 0..n-1 (the order pages join the LRU in the random cases).</summary>
    internal static void RandomPermutation(int* perm, int n, System.Random rng)
    {
        for (int i = 0; i < n; i++)
            perm[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _m.Dispose();

    private void AllocAll()
    {
        for (int i = 0; i < N; i++)
        {
            _pages[i] = _m.AllocPages(Gfp.HighUserMovable, 0, -1);
        }
    }

    // A sequential file read: pages join the LRU in allocation order.
    private void FillSequential(bool active)
    {
        AllocAll();
        for (int i = 0; i < N; i++)
            AddToCache(_pages[i], (ulong)i, active);
        _m.LruAddDrain();
    }

    // The same pages joining the LRU in a random PFN order.
    private void FillRandom()
    {
        AllocAll();
        for (int i = 0; i < N; i++)
            AddToCache(_pages[_perm[i]], (ulong)i, false);
        _m.LruAddDrain();
    }

    private void AddToCache(Page* page, ulong index, bool active) => AddToCache(_m, _mapping, page, index, active);

    /// <summary>add_to_page_cache_lru as a read would do it (the reader's reference dropped again).</summary>
    internal static void AddToCache(Machine m, Mm.Filemap.AddressSpace* mapping, Page* page, ulong index, bool active)
    {
        if (active)
            SetPageActive(page);
        m.AddToPageCacheLru(page, mapping, index);
        ClearPageLocked(page);
        m.PutPage(page);
    }

    // Truncation: delete from the page cache (no shadow), drop the cache's reference; put_page takes the page off
    // the LRU and frees it.
    private void ReleaseAll()
    {
        for (int i = 0; i < N; i++)
        {
            _m.__DeleteFromPageCache(_pages[i], 0);
            _m.PutPage(_pages[i]);
        }
    }

    private ulong ShrinkInactiveFile() => ShrinkInactiveFile(_m, _mapping, N);

    /// <summary>
    /// Reclaims <paramref name="n"/> clean page-cache pages of node 0 with shrink_inactive_list in 32-page batches, then
    /// truncates the file's shadows so the next invocation's reads are not refaults.
    /// </summary>
    internal static ulong ShrinkInactiveFile(Machine m, Mm.Filemap.AddressSpace* mapping, int n)
    {
        ulong reclaimed = ShrinkInactiveFileList(m, n);
        for (int i = 0; i < n; i++)
            m.ClearShadowEntry(mapping, (ulong)i);
        return reclaimed;
    }

    /// <summary>shrink_inactive_list over node 0's inactive file list in 32-page batches until <paramref name="n"/> are scanned.</summary>
    internal static ulong ShrinkInactiveFileList(Machine m, int n)
    {
        ScanControl sc = default;
        sc.GfpMask = Gfp.HighUserMovable;
        sc.ReclaimIdx = (sbyte)Gfp.GfpZone(Gfp.HighUserMovable);
        sc.MayUnmap = true;
        sc.MayWritepage = true;
        Lruvec* lv = &m.NodeData(0)->Lruvec;
        ulong reclaimed = 0;
        for (int done = 0; done < n; done += Vmscan.SwapClusterMax)
            reclaimed += m.ShrinkInactiveList(Vmscan.SwapClusterMax, lv, &sc, LruList.InactiveFile);
        return reclaimed;
    }

    /// <summary>Baseline: build the inactive file list sequentially, then truncate it.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    [BenchmarkCategory(Categories.VmscanInactiveFile)]
    public void FillSequentialThenRelease()
    {
        FillSequential(false);
        ReleaseAll();
    }

    /// <summary>Build it sequentially, then reclaim it all with shrink_inactive_list in 32-page batches.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory(Categories.VmscanInactiveFile)]
    public ulong FillSequentialThenShrinkInactive()
    {
        FillSequential(false);
        return ShrinkInactiveFile();
    }

    /// <summary>Baseline: build the inactive file list in random PFN order, then truncate it.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    [BenchmarkCategory(Categories.VmscanInactiveFileRandom)]
    public void FillRandomThenRelease()
    {
        FillRandom();
        ReleaseAll();
    }

    /// <summary>Build it in random PFN order, then reclaim it all.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory(Categories.VmscanInactiveFileRandom)]
    public ulong FillRandomThenShrinkInactive()
    {
        FillRandom();
        return ShrinkInactiveFile();
    }

    /// <summary>Baseline: build an active file list, then truncate it.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    [BenchmarkCategory(Categories.VmscanActive)]
    public void FillActiveThenRelease()
    {
        FillSequential(true);
        ReleaseAll();
    }

    /// <summary>Build an active file list, deactivate all of it with shrink_active_list, then truncate.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory(Categories.VmscanActive)]
    public void FillActiveThenDeactivateThenRelease()
    {
        FillSequential(true);
        ScanControl sc = default;
        sc.GfpMask = Gfp.HighUserMovable;
        sc.ReclaimIdx = (sbyte)Gfp.GfpZone(Gfp.HighUserMovable);
        sc.MayUnmap = true;
        Lruvec* lv = &_m.NodeData(0)->Lruvec;
        for (int done = 0; done < N; done += Vmscan.SwapClusterMax)
            _m.ShrinkActiveList(Vmscan.SwapClusterMax, lv, &sc, LruList.ActiveFile);
        ReleaseAll();
    }
}

/// <summary>
/// shrink_inactive_list over mapped anonymous pages (one mapping each) going to swap, per page: each invocation
/// faults N pages into a fresh process and deactivates them (baseline: then exits); the measured method reclaims
/// them all — add_to_swap, try_to_unmap, pageout (swap_writepage), the write completing, and the second pass that
/// frees them — before the exit.
/// </summary>
[BenchmarkCategory(Categories.VmscanAnonSwap)]
public unsafe class VmscanAnonSwapBenchmarks
{
    private const int N = 65536;
    private Machine _m = null!;

    [GlobalSetup]
    public void Setup()
    {
        _m = Machine.Boot(MachineDescription.Uniform(1, 4 * N));
        _m.SwapOn(2 * N);
    }

    [GlobalCleanup]
    public void Cleanup() => _m.Dispose();

    private TaskStruct* FaultAndDeactivate()
    {
        TaskStruct* t = _m.CreateTask();
        ulong a = _m.DoMmap(t, 0, (ulong)N * 4096, VmFlags.Read | VmFlags.Write, MapFlags.Private | MapFlags.Anonymous);
        for (int i = 0; i < N; i++)
            _m.Access(t, a + (ulong)i * 4096, write: true);
        ScanControl sc = Sc();
        Lruvec* lv = &_m.NodeData(0)->Lruvec;
        for (int done = 0; done < N; done += Vmscan.SwapClusterMax)
            _m.ShrinkActiveList(Vmscan.SwapClusterMax, lv, &sc, LruList.ActiveAnon);
        return t;
    }

    private static ScanControl Sc()
    {
        ScanControl sc = default;
        sc.GfpMask = Gfp.HighUserMovable;
        sc.ReclaimIdx = (sbyte)Gfp.GfpZone(Gfp.HighUserMovable);
        sc.MayUnmap = true;
        sc.MaySwap = true;
        sc.MayWritepage = true;
        return sc;
    }

    /// <summary>Baseline: fault N anonymous pages, deactivate them, exit.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public void FaultDeactivateExit() => _m.Exit(FaultAndDeactivate());

    /// <summary>Fault, deactivate, reclaim all to swap (write, complete, free), exit.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public ulong FaultDeactivateSwapOutExit()
    {
        TaskStruct* t = FaultAndDeactivate();
        ScanControl sc = Sc();
        Lruvec* lv = &_m.NodeData(0)->Lruvec;
        ulong reclaimed = 0;
        for (int done = 0; done < N; done += Vmscan.SwapClusterMax)
            reclaimed += _m.ShrinkInactiveList(Vmscan.SwapClusterMax, lv, &sc, LruList.InactiveAnon);
        _m.CompletePendingIo();
        _m.LruAddDrain();
        for (int done = 0; done < N; done += Vmscan.SwapClusterMax)
            reclaimed += _m.ShrinkInactiveList(Vmscan.SwapClusterMax, lv, &sc, LruList.InactiveAnon);
        _m.Exit(t);
        return reclaimed;
    }
}
