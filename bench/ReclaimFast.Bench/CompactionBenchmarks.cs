using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Bench;

/// <summary>
/// Direct compaction. <c>compaction-order4</c>: on a 64 MiB machine, 1024 page-cache pages interleaved with 1024 holes,
/// the rest of memory taken by ballast, the holes freed (no free block above order 0); then one order-4
/// GFP_HIGHUSER_MOVABLE allocation, which succeeds through async direct compaction; then everything is torn down.
/// The baseline builds and tears down the same state without the allocation, so the difference is the slow path with
/// one compaction run.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class CompactionBenchmarks
{
    // Kept here rather than in Categories.cs so parallel branches do not collide on that file.
    private const string Category = "compaction-order4";
    private const int Pairs = 1024;
    private const int Pages = 16384;

    private Machine _m = null!;
    private AddressSpace* _mapping;
    private nint* _holes;
    private nint* _ballast;
    private int _nrBallast;

    [GlobalSetup]
    public void Setup()
    {
        _m = Machine.Boot(MachineDescription.Uniform(1, Pages));
        _mapping = _m.CreateFile(Pairs)->FMapping;
        _holes = (nint*)System.Runtime.InteropServices.NativeMemory.Alloc(Pairs, (nuint)sizeof(nint));
        _ballast = (nint*)System.Runtime.InteropServices.NativeMemory.Alloc(Pages, (nuint)sizeof(nint));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        System.Runtime.InteropServices.NativeMemory.Free(_holes);
        System.Runtime.InteropServices.NativeMemory.Free(_ballast);
        _m.Dispose();
    }

    private void Fragment()
    {
        for (int i = 0; i < Pairs; i++)
        {
            Page* page = _m.AllocPages(Gfp.HighUserMovable, 0, -1);
            _m.AddToPageCacheLru(page, _mapping, (ulong)i);
            PageOps.SetPageUptodate(page);
            PageOps.ClearPageLocked(page);
            _m.PutPage(page);
            _holes[i] = (nint)_m.AllocPages(Gfp.HighUserMovable, 0, -1);
        }
        _m.LruAddDrain();
        _nrBallast = 0;
        Page* p;
        while ((p = _m.AllocPages(Gfp.Memalloc | Gfp.HighMem | Gfp.Movable, 0, -1)) != null)
            _ballast[_nrBallast++] = (nint)p;
        for (int i = 0; i < Pairs; i++)
            _m.PutPage((Page*)_holes[i]);
        _m.DrainAllPages(null);
    }

    private void TearDown()
    {
        _m.LruAddDrain();
        for (int i = 0; i < Pairs; i++)
            _m.TruncateInodeIndex(_mapping, (ulong)i);
        for (int i = 0; i < _nrBallast; i++)
            _m.PutPage((Page*)_ballast[i]);
        _m.DrainAllPages(null);
        // Forget skip hints, cached scanner positions and deferral so every invocation compacts from scratch.
        for (int z = 0; z < MmZone.MaxNrZones; z++)
        {
            Zone* zone = PglistData.NodeZone(_m.NodeData(0), z);
            if (!MmZone.PopulatedZone(zone))
                continue;
            _m.__ResetIsolationSuitable(zone);
            zone->CompactConsidered = 0;
            zone->CompactDeferShift = 0;
            zone->CompactOrderFailed = 0;
        }
    }

    /// <summary>Baseline: build the fragmented zone and tear it down.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Category)]
    public void FragmentThenTearDown()
    {
        Fragment();
        TearDown();
    }

    /// <summary>Build the fragmented zone, allocate order 4 through direct compaction, tear down.</summary>
    [Benchmark]
    [BenchmarkCategory(Category)]
    public long FragmentThenCompactOrder4()
    {
        Fragment();
        Page* page = _m.AllocPages(Gfp.HighUserMovable, 4, -1);
        long ok = page != null ? 1 : 0;
        if (page != null)
            _m.FreePages(page, 4);
        TearDown();
        return ok;
    }
}
