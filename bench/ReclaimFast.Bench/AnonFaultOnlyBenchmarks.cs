using BenchmarkDotNet.Attributes;
using ReclaimFast.Mm.Memory;

namespace ReclaimFast.Bench;

/// <summary>
/// The anonymous write fault alone (<c>do_anonymous_page</c>: page-table walk, allocation, zeroed-page token,
/// <c>page_add_new_anon_rmap</c>, LRU add), without the munmap that <see cref="FaultBenchmarks"/> must amortise:
/// each invocation faults a fresh 16K-page mapping made in the iteration setup and unmapped in the iteration
/// cleanup, both outside the timed region. One invocation is 16,384 faults, so the per-iteration setup is not a
/// microbenchmark pitfall here. Baseline: the same number of order-0 allocations with the fault's GFP mask
/// (freed in the cleanup), the allocator's share of the fault. With one invocation per iteration, 200 warm-up
/// iterations are needed for the methods to reach tier-1 code (30 calls, then a 100 ms delay) before measuring.
/// </summary>
[BenchmarkCategory(Categories.Fault)]
[SingleInvocationJob(warmupCount: 200, iterationCount: 60)]
public unsafe class AnonFaultOnlyBenchmarks
{
    private const int N = 16384;
    private const ulong PageSize = 4096;
    private Machine _m = null!;
    private TaskStruct* _task;
    private ulong _addr;
    private Mm.Types.Page** _pages;

    [GlobalSetup]
    public void Setup()
    {
        _m = Machine.Boot(MachineDescription.Uniform(1, 65536));
        _task = _m.CreateTask();
        _pages = (Mm.Types.Page**)_m.Heap.AllocArray<nint>(N);
    }

    [GlobalCleanup]
    public void Cleanup() => _m.Dispose();

    [IterationSetup(Target = nameof(AnonFault))]
    public void MapFresh() =>
        _addr = _m.DoMmap(_task, 0, N * PageSize, VmFlags.Read | VmFlags.Write, MapFlags.Private | MapFlags.Anonymous);

    [IterationCleanup(Target = nameof(AnonFault))]
    public void Unmap() => _m.DoMunmap(_task->Mm, _addr, N * PageSize);

    [IterationCleanup(Target = nameof(AllocOnly))]
    public void FreeAll()
    {
        for (int i = 0; i < N; i++)
            _m.FreePages(_pages[i], 0);
    }

    /// <summary>N order-0 allocations as do_anonymous_page makes them.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public void AllocOnly()
    {
        for (int i = 0; i < N; i++)
            _pages[i] = _m.AllocPage(Machine.GfpZeroedUserMovable);
    }

    /// <summary>N anonymous write faults on a fresh mapping.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void AnonFault()
    {
        for (ulong i = 0; i < N; i++)
            _m.Access(_task, _addr + i * PageSize, write: true);
    }
}
