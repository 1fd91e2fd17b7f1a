using BenchmarkDotNet.Attributes;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Slab;

namespace ReclaimFast.Bench;

/// <summary>
/// shrink_slab over 1,000 registered shrinkers (plus the workingset shadow-node one) at priority 6, where each
/// call scans two or three batches and carries the rest over in nr_deferred (a bounded cycle, so every
/// invocation does the same work). Baseline: the count_objects calls alone. Times are per shrinker.
/// </summary>
[BenchmarkCategory(Categories.Slab)]
public unsafe class SlabBenchmarks
{
    private const int N = 1000;
    private Machine _m = null!;

    [GlobalSetup]
    public void Setup()
    {
        _m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        for (int i = 0; i < N; i++)
        {
            var state = _m.Heap.AllocOne<ConstructedShrinker>();
            state->Freeable = 10000;
            state->StopAfterCalls = -1;
            _m.RegisterShrinker(_m.AllocShrinker(ShrinkerKind.Constructed, state, Shrinker.DefaultSeeks, 0, 0));
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _m.Dispose();

    /// <summary>count_objects of every shrinker: the walk's floor.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public ulong CountObjectsOnly() => _m.CountAllShrinkers(0);

    /// <summary>shrink_slab(GFP_KERNEL, 0, root, 6): do_shrink_slab on every shrinker.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public ulong ShrinkSlab() => _m.ShrinkSlab(Gfp.Kernel, 0, 0, 6);
}
