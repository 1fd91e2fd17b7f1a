using BenchmarkDotNet.Attributes;
using ReclaimFast.Mm.Memory;

namespace ReclaimFast.Bench;

/// <summary>
/// Page faults through the emulated MMU (<c>Machine.Access</c>), per page: an access to a present page
/// (baseline: the page-table walk and token check alone), an anonymous write fault (do_anonymous_page with
/// page allocation; the munmap that returns the pages is amortised into the figure), and a read fault
/// that hits the page cache (filemap_fault minor fault; munmap amortised likewise).
/// </summary>
[BenchmarkCategory(Categories.Fault)]
public unsafe class FaultBenchmarks
{
    private const int N = 4096;
    private const int Small = 256;
    private const ulong PageSize = 4096;
    private Machine _m = null!;
    private TaskStruct* _task;
    private ulong _present;
    private Mm.Filemap.File* _file;
    private Mm.Types.Page** _pages;

    [GlobalSetup]
    public void Setup()
    {
        _m = Machine.Boot(MachineDescription.Uniform(1, 65536));
        _task = _m.CreateTask();
        _present = _m.DoMmap(_task, 0, N * PageSize, VmFlags.Read | VmFlags.Write, MapFlags.Private | MapFlags.Anonymous);
        for (ulong i = 0; i < N; i++)
            _m.Access(_task, _present + i * PageSize, write: true);
        _pages = (Mm.Types.Page**)_m.Heap.AllocArray<nint>(N);
        _file = _m.CreateFile(N);
        ulong f = _m.DoMmap(_task, 0, N * PageSize, VmFlags.Read, MapFlags.Private, _file, 0);
        for (ulong i = 0; i < N; i++)
            _m.Access(_task, f + i * PageSize, write: false); // read every page into the page cache
        _m.DoMunmap(_task->Mm, f, N * PageSize);
    }

    [GlobalCleanup]
    public void Cleanup() => _m.Dispose();

    /// <summary>Read a present page: walk, young bit, token check.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public void AccessPresent()
    {
        for (ulong i = 0; i < N; i++)
            _m.Access(_task, _present + i * PageSize, write: false);
    }

    /// <summary>Write-fault N fresh anonymous pages, then munmap them (zap + free amortised per page).</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void AnonFault()
    {
        ulong a = _m.DoMmap(_task, 0, N * PageSize, VmFlags.Read | VmFlags.Write, MapFlags.Private | MapFlags.Anonymous);
        for (ulong i = 0; i < N; i++)
            _m.Access(_task, a + i * PageSize, write: true);
        _m.DoMunmap(_task->Mm, a, N * PageSize);
    }

    /// <summary>
    /// The same with 256 pages per round: every page freed by the munmap fits in the per-cpu list (pcp high),
    /// so the allocator never refills or drains through the buddy lists (<c>rmqueue_bulk</c>/<c>free_pcppages_bulk</c>).
    /// </summary>
    [Benchmark(OperationsPerInvoke = Small)]
    public void AnonFaultPcpResident()
    {
        ulong a = _m.DoMmap(_task, 0, Small * PageSize, VmFlags.Read | VmFlags.Write, MapFlags.Private | MapFlags.Anonymous);
        for (ulong i = 0; i < Small; i++)
            _m.Access(_task, a + i * PageSize, write: true);
        _m.DoMunmap(_task->Mm, a, Small * PageSize);
    }

    /// <summary>
    /// The page allocator alone: N order-0 allocations as <c>do_anonymous_page</c> makes them, then N
    /// <c>free_unref_page</c> — the floor under <see cref="AnonFault"/>.
    /// </summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void AllocFreeOnly()
    {
        for (int i = 0; i < N; i++)
            _pages[i] = _m.AllocPage(Machine.GfpZeroedUserMovable);
        for (int i = 0; i < N; i++)
            _m.FreePages(_pages[i], 0);
    }

    /// <summary>Read-fault N pages already in the page cache, then munmap (amortised per page).</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void FileFaultPageCacheHit()
    {
        ulong a = _m.DoMmap(_task, 0, N * PageSize, VmFlags.Read, MapFlags.Private, _file, 0);
        for (ulong i = 0; i < N; i++)
            _m.Access(_task, a + i * PageSize, write: false);
        _m.DoMunmap(_task->Mm, a, N * PageSize);
    }
}
