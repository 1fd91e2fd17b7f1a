using BenchmarkDotNet.Attributes;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Bench;

/// <summary>
/// The reverse map on one anonymous page mapped by 1, 8 or 64 processes (a tree of forks), per page:
/// <c>page_referenced</c> (all PTEs young again first) and <c>try_to_unmap</c> into the swap entry (the page
/// is in the swap cache). Each invocation restores the mappings with raw stores; the baseline measures that
/// restore alone, so the cost of the kernel path is the difference.
/// </summary>
[BenchmarkCategory(Categories.Rmap)]
public unsafe class RmapBenchmarks
{
    private const ulong PageSize = 4096;
    private Machine _m = null!;
    private Page* _page;
    private ulong** _ptes;
    private ulong* _saved;
    private MmStruct** _mms;
    private SwpEntry _entry;

    /// <summary>Processes mapping the page.</summary>
    [Params(1, 8, 64)]
    public int Mappings { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _m = Machine.Boot(MachineDescription.Uniform(1, 32768));
        _m.SwapOn(64);
        var tasks = new TaskStruct*[Mappings];
        tasks[0] = _m.CreateTask();
        ulong a = _m.DoMmap(tasks[0], 0, PageSize, VmFlags.Read | VmFlags.Write, MapFlags.Private | MapFlags.Anonymous);
        _m.Access(tasks[0], a, write: true);
        for (int i = 1; i < Mappings; i++)
            tasks[i] = _m.Fork(tasks[i / 2]);
        _ptes = (ulong**)_m.Heap.AllocArray<nint>(Mappings);
        _saved = _m.Heap.AllocArray<ulong>(Mappings);
        _mms = (MmStruct**)_m.Heap.AllocArray<nint>(Mappings);
        for (int i = 0; i < Mappings; i++)
        {
            _ptes[i] = _m.PteOffsetMap(tasks[i]->Mm, a);
            _saved[i] = *_ptes[i] | Pte.Accessed;
            _mms[i] = tasks[i]->Mm;
        }
        _page = _m.PfnToPage(Pte.PtePfn(*_ptes[0]));
        PageOps.GetPage(_page);
        _m.AddToSwap(_page);
        _entry = new SwpEntry(_page->Private);
    }

    [GlobalCleanup]
    public void Cleanup() => _m.Dispose();

    /// <summary>Put back what try_to_unmap took: PTEs, mapcount, references, rss, swap count, NR_ANON_MAPPED.</summary>
    private void Restore()
    {
        int n = Mappings;
        bool wasUnmapped = _page->MapCount < 0;
        for (int i = 0; i < n; i++)
        {
            if (wasUnmapped)
            {
                _mms[i]->RssStat[(int)MmCounter.AnonPages]++;
                _mms[i]->RssStat[(int)MmCounter.SwapEnts]--;
            }
            *_ptes[i] = _saved[i];
        }
        if (wasUnmapped)
        {
            _page->MapCount = n - 1;
            _page->RefCount += n;
            _m.SwapInfo(_entry.Type)->SwapMap[_entry.Offset] = SwapInfoStruct.SwapHasCache;
            _m.ModNodePageState(_m.PagePgdat(_page), NodeStatItem.NrAnonMapped, 1);
        }
    }

    /// <summary>The raw restore alone (young PTEs back).</summary>
    [Benchmark(Baseline = true)]
    public void RestoreOnly() => Restore();

    /// <summary><c>page_referenced</c> over all mappings (one referenced VMA per mapping).</summary>
    [Benchmark]
    public int PageReferenced()
    {
        Restore();
        return _m.PageReferencedRmap(_page, isLocked: true, out _);
    }

    /// <summary><c>try_to_unmap</c>: every PTE becomes the swap entry.</summary>
    [Benchmark]
    public bool TryToUnmap()
    {
        Restore();
        return _m.TryToUnmap(_page, TtuFlags.IgnoreAccess);
    }
}
