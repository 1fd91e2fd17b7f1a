using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Bench;

/// <summary>
/// Reclaim entry points. <c>kswapd-1gib</c>: one kswapd balance_pgdat cycle (wakeup → priority loop → back to sleep)
/// that reclaims exactly 1 GiB (262,144 pages) of clean page cache, on a node whose watermarks were raised so it cannot
/// balance early; the baseline builds and truncates the same page cache, so the difference is kswapd's own cost.
/// Why the cache is 368,628 pages: with watermarks above the node's size nr_to_reclaim (Σ high watermarks) is never
/// reached, so every iteration lowers the priority and, kswapd scanning its whole get_scan_count target (no
/// proportional stop without anon pages), iteration p reclaims exactly inactive_file &gt;&gt; p of the clean, unreferenced
/// list: the loop reclaims Σ_{p=12..1} ⌊rem_p / 2^p⌋ (rem shrinking), about 71 % of the list (186,420 of a 262,144-page
/// cache). The smallest — and only — cache size for which that sum is 262,144 is 368,628 (<see cref="LoopReclaims"/>);
/// GlobalSetup checks both the formula and one real cycle. <c>direct-reclaim</c>: one
/// try_to_free_pages (SWAP_CLUSTER_MAX pages) on a node below its low watermark, with the pages read back; the
/// baseline reads and truncates the same number of pages.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class EntryPointBenchmarks
{
    // Kept here rather than in Categories.cs so parallel branches do not collide on that file.
    private const string KswapdCategory = "entry-kswapd-1gib";
    private const string DirectCategory = "entry-direct-reclaim";
    private const int GiBPages = 262144;
    private const int CachePages = 368628;    // LoopReclaims(CachePages) == GiBPages
    private const int Batch = 32;

    private Machine _k = null!;
    private AddressSpace* _kMapping;
    private int _kMinFreeKbytes;
    private Machine _d = null!;
    private AddressSpace* _dMapping;
    private ulong _dHead;
    private ulong _dTail;
    private Zonelist* _dZonelist;

    [GlobalSetup]
    public void Setup()
    {
        _k = Machine.Boot(MachineDescription.Uniform(1, CachePages + 16384));
        _kMapping = _k.CreateFile(1)->FMapping;
        _kMinFreeKbytes = _k.MinFreeKbytes;
        if (LoopReclaims(CachePages) != GiBPages)
            throw new InvalidOperationException($"the priority-loop formula gives {LoopReclaims(CachePages)} pages for a {CachePages}-page cache");
        long reclaimed = FillThenKswapdCycle();
        if (reclaimed != GiBPages)
            throw new InvalidOperationException($"one balance_pgdat cycle reclaimed {reclaimed} pages, not {GiBPages} (1 GiB)");

        _d = Machine.Boot(MachineDescription.Uniform(1, 65536));
        _dMapping = _d.CreateFile(1)->FMapping;
        _dZonelist = _d.NodeZonelist(0, Gfp.HighUserMovable);
        // Read until the allocator enters the slow path (below low everywhere): kswapd is woken but never runs here.
        while (_d.KswapdPhaseOf(0) == KswapdPhase.FullSleep)
            AddPage(_d, _dMapping, _dHead++);
        _d.LruAddDrain();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _k.Dispose();
        _d.Dispose();
    }

    /// <summary>
    /// Pages a full balance_pgdat priority loop (DEF_PRIORITY 12 down to 1, priority lowered every iteration) reclaims
    /// from a clean inactive file list of <paramref name="pages"/> pages: Σ ⌊remaining / 2^p⌋.
    /// </summary>
    internal static long LoopReclaims(long pages)
    {
        long remaining = pages, total = 0;
        for (int priority = 12; priority >= 1; priority--)
        {
            long scan = remaining >> priority;
            total += scan;
            remaining -= scan;
        }
        return total;
    }

    private static void AddPage(Machine m, AddressSpace* mapping, ulong index)
    {
        Page* page = m.AllocPages(Gfp.HighUserMovable, 0, -1);
        m.AddToPageCacheLru(page, mapping, index);
        PageOps.SetPageUptodate(page);
        PageOps.ClearPageLocked(page);
        m.PutPage(page);
    }

    private void FillGiB()
    {
        for (ulong i = 0; i < CachePages; i++)
            AddPage(_k, _kMapping, i);
        _k.LruAddDrain();
    }

    private void TruncateGiB()
    {
        _k.LruAddDrain();
        for (ulong i = 0; i < CachePages; i++)
            _k.TruncateInodeIndex(_kMapping, i);
    }

    /// <summary>Baseline: read the 368,628-page cache, then truncate it.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(KswapdCategory)]
    public void FillThenTruncate()
    {
        FillGiB();
        TruncateGiB();
    }

    /// <summary>
    /// Read the cache, run one kswapd balance_pgdat cycle over it (reclaiming exactly 1 GiB), put kswapd back to sleep,
    /// truncate the rest. Returns the pages kswapd reclaimed.
    /// </summary>
    [Benchmark]
    [BenchmarkCategory(KswapdCategory)]
    public long FillThenKswapdCycle()
    {
        FillGiB();
        long before = _k.VmEvent(Diagnostics.VmEventItem.PgstealKswapd);
        // Watermarks above the node's size: balance_pgdat runs its whole priority loop, reclaiming what it scans.
        _k.SetMinFreeKbytes((CachePages + 16384) * 4);
        _k.WakeupKswapd(_k.ZoneOf(0, ZoneType.Dma32), Gfp.Kernel, 0, MmZone.MaxNrZones - 1);
        while (_k.KswapdPhaseOf(0) != KswapdPhase.TryToSleep)
            _k.RunKswapdStep(0);
        _k.SetMinFreeKbytes(_kMinFreeKbytes);
        _k.RunKswapdStep(0);                                        // balanced: short sleep
        _k.KswapdShortSleepTimeout(0, _k.KswapdTimerGeneration(0));
        _k.RunKswapdStep(0);                                        // full sleep
        TruncateGiB();
        return _k.VmEvent(Diagnostics.VmEventItem.PgstealKswapd) - before;
    }

    // Clear the shadow entries reclaim left at the old end of the file, so the cache index stays bounded.
    private void ClearShadows()
    {
        while (_dTail < _dHead && XArray.IsValue(_dMapping->IPages.Load(_dTail)))
            _d.TruncateInodeIndex(_dMapping, _dTail++);
    }

    /// <summary>Baseline: read 32 pages at the head of the file and truncate 32 at its tail.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(DirectCategory)]
    public void ReadAndTruncateBatch()
    {
        for (int i = 0; i < Batch; i++)
            AddPage(_d, _dMapping, _dHead++);
        _d.LruAddDrain();
        for (int i = 0; i < Batch; i++)
        {
            while (_dMapping->IPages.Load(_dTail) == 0)
                _dTail++;
            _d.TruncateInodeIndex(_dMapping, _dTail++);
        }
    }

    /// <summary>try_to_free_pages for an order-0 GFP_HIGHUSER_MOVABLE request, then read the reclaimed pages back.</summary>
    [Benchmark]
    [BenchmarkCategory(DirectCategory)]
    public ulong TryToFreePagesThenReadBack()
    {
        ulong nr = _d.TryToFreePages(_dZonelist, 0, Gfp.HighUserMovable, null);
        for (ulong i = 0; i < nr; i++)
            AddPage(_d, _dMapping, _dHead++);
        _d.LruAddDrain();
        ClearShadows();
        return nr;
    }
}
