using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
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
    private ulong _mapping;
    private Page** _pages;
    private int* _perm;

    [GlobalSetup]
    public void Setup()
    {
        _m = Machine.Boot(MachineDescription.Uniform(1, 4 * N));
        _mapping = (ulong)_m.Heap.Alloc(64);
        _pages = (Page**)_m.Heap.AllocArray<nint>(N);
        _perm = _m.Heap.AllocArray<int>(N);
        var rng = new System.Random(42);
        for (int i = 0; i < N; i++)
            _perm[i] = i;
        for (int i = N - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (_perm[i], _perm[j]) = (_perm[j], _perm[i]);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _m.Dispose();

    private void AllocAll()
    {
        for (int i = 0; i < N; i++)
        {
            Page* p = _m.AllocPages(Gfp.HighUserMovable, 0, -1);
            p->Mapping = _mapping;
            p->Index = (ulong)i;
            _pages[i] = p;
        }
    }

    // A sequential file read: pages join the LRU in allocation order.
    private void FillSequential(bool active)
    {
        AllocAll();
        for (int i = 0; i < N; i++)
        {
            if (active)
                SetPageActive(_pages[i]);
            _m.LruCacheAddPage(_pages[i]);
        }
        _m.LruAddDrain();
    }

    // The same pages joining the LRU in a random PFN order.
    private void FillRandom()
    {
        AllocAll();
        for (int i = 0; i < N; i++)
            _m.LruCacheAddPage(_pages[_perm[i]]);
        _m.LruAddDrain();
    }

    // Truncation-like release: drop the cache reference (put_page takes the page off the LRU and frees it).
    private void ReleaseAll()
    {
        for (int i = 0; i < N; i++)
        {
            _pages[i]->Mapping = 0;
            _m.PutPage(_pages[i]);
        }
    }

    private ulong ShrinkInactiveFile()
    {
        ScanControl sc = default;
        sc.GfpMask = Gfp.HighUserMovable;
        sc.ReclaimIdx = (sbyte)Gfp.GfpZone(Gfp.HighUserMovable);
        sc.MayUnmap = true;
        sc.MayWritepage = true;
        Lruvec* lv = &_m.NodeData(0)->Lruvec;
        ulong reclaimed = 0;
        for (int done = 0; done < N; done += Vmscan.SwapClusterMax)
            reclaimed += _m.ShrinkInactiveList(Vmscan.SwapClusterMax, lv, &sc, LruList.InactiveFile);
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
