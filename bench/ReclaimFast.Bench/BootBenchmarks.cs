using System;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace ReclaimFast.Bench;

/// <summary>
/// Boot of a 64 GiB machine (16M pages over two nodes) against its floor: clearing 16M × 64 bytes of freshly
/// allocated native memory (the mem_map's size). Both pay the first-touch page faults. Also prints the host bytes
/// per emulated page (NativeHeap bytes / max_pfn).
/// </summary>
[BenchmarkCategory("Boot")]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[WarmupCount(1)]
[IterationCount(5)]
public unsafe class BootBenchmarks
{
    private const ulong Pages = 16UL << 20;
    private MachineDescription _description = null!;

    [GlobalSetup]
    public void Setup()
    {
        _description = MachineDescription.Uniform(2, Pages / 2);
        using Machine m = Machine.Boot(_description);
        Console.WriteLine($"// host bytes per emulated page: {(double)m.NativeBytes / m.MaxPfnValue:F2} ({m.NativeBytes} bytes / {m.MaxPfnValue} pages)");
    }

    /// <summary>AlignedAlloc(16M × 64, 64) + clear + free.</summary>
    [Benchmark(Baseline = true)]
    public void ClearMemMapBytes()
    {
        nuint bytes = (nuint)(Pages * 64);
        void* p = NativeMemory.AlignedAlloc(bytes, 64);
        NativeMemory.Clear(p, bytes);
        NativeMemory.AlignedFree(p);
    }

    /// <summary><c>Machine.Boot</c> of 16M pages + Dispose.</summary>
    [Benchmark]
    public void Boot16MPages()
    {
        using Machine m = Machine.Boot(_description);
    }
}
