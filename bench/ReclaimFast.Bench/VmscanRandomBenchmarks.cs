using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Bench;

/// <summary>
/// The cache-miss-bound case at its stated scale: shrink_inactive_list over N = 65536 clean page-cache pages
/// whose PFNs are scattered at random over a 64 GiB emulated machine (a 1 GiB mem_map), joining the LRU in random
/// order. Setup takes every free page of the machine, gives back 3N chosen at random (N for the LRU, 2N of headroom above
/// the watermarks) and keeps the rest, so each invocation's allocations can only return scattered frames. Times are per page (OperationsPerInvoke = N);
/// the baseline does the same setup and truncates instead of reclaiming.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class VmscanRandom64GiBBenchmarks
{
    private const int N = 65536;
    private const int Headroom = 2 * N;
    private const ulong MachinePages = 64UL << 30 >> Pfn.PageShift; // 64 GiB
    private Machine _m = null!;
    private Mm.Filemap.AddressSpace* _mapping;
    private Page** _pages;
    private int* _perm;

    [GlobalSetup]
    public void Setup()
    {
        _m = Machine.Boot(MachineDescription.Uniform(1, MachinePages));
        _mapping = _m.CreateFile(N)->FMapping;
        _pages = (Page**)_m.Heap.AllocArray<nint>(N);
        _perm = _m.Heap.AllocArray<int>(N);

        // Take every free frame (__GFP_MEMALLOC: below the watermarks too; no reclaim), then hand back N chosen at random (a partial Fisher-Yates over the frames taken).
        long free = _m.GlobalZonePageState(ZoneStatItem.NrFreePages);
        Page** all = (Page**)_m.Heap.AllocArray<nint>(free);
        long taken = 0;
        Page* p;
        while (taken < free && (p = _m.AllocPages((Gfp.HighUserMovable | Gfp.Memalloc) & ~Gfp.Reclaim, 0, -1)) != null)
            all[taken++] = p;
        var rng = new System.Random(42);
        // N frames for the LRU plus headroom that keeps the zone above its watermarks while they are allocated.
        int giveBack = N + Headroom;
        for (int i = 0; i < giveBack; i++)
        {
            long j = i + rng.NextInt64(taken - i);
            Page* t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        for (int i = 0; i < giveBack; i++)
            _m.FreePages(all[i], 0);
        _m.DrainAllPcpPages();

        VmscanBenchmarks.RandomPermutation(_perm, N, rng);
    }

    [GlobalCleanup]
    public void Cleanup() => _m.Dispose();

    private void FillRandom()
    {
        for (int i = 0; i < N; i++)
            _pages[i] = _m.AllocPages(Gfp.HighUserMovable, 0, -1);
        for (int i = 0; i < N; i++)
            VmscanBenchmarks.AddToCache(_m, _mapping, _pages[_perm[i]], (ulong)i, active: false);
        _m.LruAddDrain();
    }

    /// <summary>Baseline: build the inactive file list over the scattered frames, then truncate it.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    [BenchmarkCategory(Categories.VmscanInactiveFileRandom64GiB)]
    public void FillRandomThenRelease()
    {
        FillRandom();
        for (int i = 0; i < N; i++)
        {
            _m.__DeleteFromPageCache(_pages[i], 0);
            _m.PutPage(_pages[i]);
        }
    }

    /// <summary>Build it, then reclaim it all with shrink_inactive_list in 32-page batches.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory(Categories.VmscanInactiveFileRandom64GiB)]
    public ulong FillRandomThenShrinkInactive()
    {
        FillRandom();
        return VmscanBenchmarks.ShrinkInactiveFile(_m, _mapping, N);
    }
}
