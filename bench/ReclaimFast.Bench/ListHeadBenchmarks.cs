using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Bench;

/// <summary>
/// The LRU's primitive: rotating every page of a 64K-entry list to its tail (what list_move_tail costs per
/// page), against a plain walk of the same list as the baseline.
/// </summary>
[BenchmarkCategory(Categories.Types)]
public unsafe class ListHeadBenchmarks
{
    private const int N = 65536;
    private Page* _pages;
    private ListHead* _head;

    [GlobalSetup]
    public void Setup()
    {
        _pages = (Page*)NativeMemory.AlignedAlloc((nuint)(N * sizeof(Page)), 64);
        NativeMemory.Clear(_pages, (nuint)(N * sizeof(Page)));
        _head = (ListHead*)NativeMemory.AlignedAlloc((nuint)sizeof(ListHead), 64);
        ListHead.Init(_head);
        for (int i = 0; i < N; i++)
            ListHead.AddTail(_pages[i].LruPtr, _head);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_pages);
        NativeMemory.AlignedFree(_head);
    }

    /// <summary>Walk the list reading each page's flags.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public ulong Walk()
    {
        ulong sum = 0;
        for (ListHead* p = _head->Next; p != _head; p = p->Next)
            sum += Page.FromLru(p)->Flags;
        return sum;
    }

    /// <summary>Take the head entry and move it to the tail, N times (a full rotation).</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void RotateToTail()
    {
        for (int i = 0; i < N; i++)
            ListHead.MoveTail(_head->Next, _head);
    }
}
