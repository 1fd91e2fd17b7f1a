using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Bench;

/// <summary>
/// The cache-miss-bound case at its stated scale: shrink_inactive_list over N = 65536 clean page-cache pages
/// whose PFNs are scattered at random over a 64 GiB emulated machine (a 1 GiB mem_map), joining the LRU in random
/// order. Setup takes every free page of the machine, gives back 3N chosen at random (N for the LRU, 2N of headroom above
/// the watermarks) and keeps the rest, so each invocation's allocations can only return scattered frames. The fill runs
/// in the iteration setup, outside the timed region (it costs several times the reclaim and its noise hid the
/// difference when both were timed); one invocation per iteration, times per page (OperationsPerInvoke = N). The
/// baseline truncates the same pages instead of reclaiming them. 40 warm-up iterations pass the 30-call tier-up.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[SingleInvocationJob(warmupCount: 40, iterationCount: 30)]
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

    /// <summary>Builds the LRU over the scattered frames before each timed invocation (not timed).</summary>
    [IterationSetup]
    public void Fill() => FillRandom();

    /// <summary>Clears the shadow entries reclaim left, so the next fill starts from an empty file (not timed).</summary>
    [IterationCleanup(Target = nameof(ShrinkInactiveRandom))]
    public void ClearShadows()
    {
        for (int i = 0; i < N; i++)
            _m.ClearShadowEntry(_mapping, (ulong)i);
    }

    /// <summary>Baseline: truncate the same scattered pages (<c>__delete_from_page_cache</c> + <c>put_page</c>).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    [BenchmarkCategory(Categories.VmscanInactiveFileRandom64GiB)]
    public void TruncateRandom()
    {
        for (int i = 0; i < N; i++)
        {
            _m.__DeleteFromPageCache(_pages[i], 0);
            _m.PutPage(_pages[i]);
        }
    }

    /// <summary>Reclaim them all with shrink_inactive_list in 32-page batches.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory(Categories.VmscanInactiveFileRandom64GiB)]
    public ulong ShrinkInactiveRandom() => VmscanBenchmarks.ShrinkInactiveFileList(_m, N);
}
