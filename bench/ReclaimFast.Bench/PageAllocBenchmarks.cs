using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Bench;

/// <summary>Category names of the page allocator benchmarks.</summary>
internal static class PageAllocCategories
{
    public const string PcpOrder0 = "PageAlloc.PcpOrder0";
    public const string BuddyOrder0 = "PageAlloc.BuddyOrder0";
    public const string Order9 = "PageAlloc.Order9";
}

/// <summary>
/// Order-0 alloc+free pair through the per-cpu lists (<c>rmqueue_pcplist</c> / <c>free_unref_page</c>) on a 1 GiB
/// DMA32+Normal machine. Baseline: the bare list work of that path (one list_del + one list_add on a native list).
/// </summary>
[BenchmarkCategory(PageAllocCategories.PcpOrder0)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public unsafe class PcpOrder0Benchmarks
{
    private Machine _machine = null!;
    private ListHead* _list;
    private Page* _pages;

    [GlobalSetup]
    public void Setup()
    {
        _machine = Machine.Boot(MachineDescription.Uniform(1, 262144));
        _list = (ListHead*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(64, 64);
        _pages = (Page*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(64 * 64, 64);
        ListHead.Init(_list);
        for (int i = 0; i < 64; i++)
            ListHead.AddTail(_pages[i].LruPtr, _list);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _machine.Dispose();
        System.Runtime.InteropServices.NativeMemory.AlignedFree(_list);
        System.Runtime.InteropServices.NativeMemory.AlignedFree(_pages);
    }

    /// <summary>list_del of the head + list_add back: the floor of the pcp path.</summary>
    [Benchmark(Baseline = true)]
    public void ListPopPush()
    {
        ListHead* first = _list->Next;
        ListHead.Del(first);
        ListHead.Add(first, _list);
    }

    /// <summary>
    /// <c>alloc_page(GFP_KERNEL)</c> + <c>__free_page</c>, one pair per call. The machine is read into a local once:
    /// re-reading the field between the two calls, after the allocation's stores, costs ~4 ns on its own.
    /// </summary>
    [Benchmark]
    public void AllocFreeOrder0()
    {
        Machine m = _machine;
        Page* page = m.AllocPage(Gfp.Kernel);
        m.FreePages(page, 0);
    }

    /// <summary>
    /// The same pair 1,024 times in a loop, per pair: a caller that allocates repeatedly (the JIT keeps the
    /// machine's per-cpu pointers in registers across iterations, as a C compiler would in a kernel loop).
    /// </summary>
    [Benchmark(OperationsPerInvoke = 1024)]
    public void AllocFreeOrder0Loop()
    {
        Machine m = _machine;
        for (int i = 0; i < 1024; i++)
        {
            Page* page = m.AllocPage(Gfp.Kernel);
            m.FreePages(page, 0);
        }
    }
}

/// <summary>
/// Order-0 alloc+free pair straight from the buddy lists: the DMA zone's pcp has high 0 / batch 1 (zone_batchsize 0),
/// so each allocation refills one page with rmqueue_bulk and each free drains it with free_pcppages_bulk.
/// Baseline: the bare buddy work (__rmqueue_smallest + __free_one_page) without the allocator API around it.
/// </summary>
[BenchmarkCategory(PageAllocCategories.BuddyOrder0)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public unsafe class BuddyOrder0Benchmarks
{
    private Machine _machine = null!;
    private Zone* _dma;

    [GlobalSetup]
    public void Setup()
    {
        _machine = Machine.Boot(MachineDescription.Uniform(1, 262144));
        _dma = PglistData.NodeZone(_machine.NodeData(0), (int)ZoneType.Dma);
    }

    [GlobalCleanup]
    public void Cleanup() => _machine.Dispose();

    /// <summary><c>__rmqueue_smallest</c> + <c>__free_one_page</c> on the DMA zone.</summary>
    [Benchmark(Baseline = true)]
    public void RmqueueSmallestAndFreeOnePage()
    {
        Page* page = Machine.__RmqueueSmallest(_dma, 0, (int)MigrateType.Movable);
        _machine.__FreeOnePage(page, _machine.PageToPfn(page), _dma, 0, (int)MigrateType.Movable);
    }

    /// <summary><c>alloc_pages(GFP_KERNEL | GFP_DMA, 0)</c> + <c>__free_pages</c>.</summary>
    [Benchmark]
    public void AllocFreeDmaOrder0()
    {
        Page* page = _machine.AllocPages(Gfp.Kernel | Gfp.Dma, 0, 0);
        _machine.FreePages(page, 0);
    }
}

/// <summary>
/// Order-9 (pageblock) alloc+free pair: split from an order-10 block, checked page by page (check_new_pages,
/// free_pages_prepare), merged back. Baseline: the same buddy split and merge without the checks and API.
/// </summary>
[BenchmarkCategory(PageAllocCategories.Order9)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public unsafe class Order9Benchmarks
{
    private Machine _machine = null!;
    private Zone* _normal;

    [GlobalSetup]
    public void Setup()
    {
        _machine = Machine.Boot(MachineDescription.Uniform(1, 1 << 20));
        _normal = PglistData.NodeZone(_machine.NodeData(0), (int)ZoneType.Dma32);
    }

    [GlobalCleanup]
    public void Cleanup() => _machine.Dispose();

    /// <summary><c>__rmqueue_smallest(9)</c> + <c>__free_one_page(9)</c>.</summary>
    [Benchmark(Baseline = true)]
    public void RmqueueSmallestAndFreeOnePage()
    {
        Page* page = Machine.__RmqueueSmallest(_normal, 9, (int)MigrateType.Movable);
        _machine.__FreeOnePage(page, _machine.PageToPfn(page), _normal, 9, (int)MigrateType.Movable);
    }

    /// <summary><c>alloc_pages(GFP_HIGHUSER_MOVABLE, 9)</c> + <c>__free_pages</c>.</summary>
    [Benchmark]
    public void AllocFreeOrder9()
    {
        Page* page = _machine.AllocPages(Gfp.HighUserMovable, 9, 0);
        _machine.FreePages(page, 9);
    }
}
