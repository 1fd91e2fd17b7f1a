using BenchmarkDotNet.Attributes;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Slab;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Bench;

/// <summary>
/// The memcg charge path: one page allocated, charged (try_charge through the per-cpu stock, commit_charge) and
/// freed (mem_cgroup_uncharge). Baseline: the same allocation and free with no memory cgroup.
/// </summary>
[BenchmarkCategory(Categories.MemcgCharge)]
public unsafe class MemcontrolChargeBenchmarks
{
    private Machine _plain = null!;
    private Machine _m = null!;
    private TaskStruct* _task;

    [GlobalSetup]
    public void Setup()
    {
        _plain = Machine.Boot(MachineDescription.Uniform(1, 16384));
        _m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        _m.MemCgroupCreate("/bench");
        _task = _m.CreateTask();
        _m.MemCgroupAttachTaskStruct("/bench", _task);
        _m.CurrentTaskStruct = _task;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.Dispose();
        _m.Dispose();
    }

    /// <summary>alloc_page + put_page, no memcg.</summary>
    [Benchmark(Baseline = true)]
    public void AllocFree()
    {
        Page* page = _plain.AllocPages(Gfp.HighUserMovable, 0, -1);
        _plain.PutPage(page);
    }

    /// <summary>alloc_page + mem_cgroup_try_charge + commit_charge + put_page (uncharge).</summary>
    [Benchmark]
    public int AllocChargeUnchargeFree()
    {
        Page* page = _m.AllocPages(Gfp.HighUserMovable, 0, -1);
        int r = _m.MemCgroupTryCharge(page, _task->Mm, Gfp.Kernel, out nint memcg);
        _m.MemCgroupCommitCharge(page, memcg, false);
        _m.PutPage(page);
        return r;
    }
}

/// <summary>
/// 1 GiB of page cache read into a cgroup at its memory.max (256 MiB): every charge batch reclaims the group's
/// oldest pages through try_to_free_mem_cgroup_pages, so each invocation reclaims 1 GiB by memcg reclaim. Baseline:
/// the same read in the root cgroup of a machine with the same 256 MiB of room, reclaimed by global direct reclaim.
/// </summary>
[BenchmarkCategory(Categories.MemcgReclaim)]
public unsafe class MemcontrolReclaimBenchmarks
{
    private const long GiB = 1L << 18;          // pages
    private const ulong FilePages = 1UL << 21;   // 8 GiB file: indexes wrap, old slots hold shadows
    private Machine _global = null!;
    private Machine _m = null!;
    private AddressSpace* _globalFile;
    private AddressSpace* _memcgFile;
    private ulong _globalIndex;
    private ulong _memcgIndex;

    [GlobalSetup]
    public void Setup()
    {
        _global = Machine.Boot(MachineDescription.Uniform(1, (ulong)(GiB / 4 + 8192)));
        _globalFile = _global.CreateFile(FilePages)->FMapping;
        _m = Machine.Boot(MachineDescription.Uniform(1, (ulong)GiB));
        _m.MemCgroupCreate("/bench");
        _m.MemCgroupSetKnob("/bench", MemcgKnob.Max, (ulong)(GiB / 4) * 4096);
        TaskStruct* t = _m.CreateTask();
        _m.MemCgroupAttachTaskStruct("/bench", t);
        _m.CurrentTaskStruct = t;
        _memcgFile = _m.CreateFile(FilePages)->FMapping;
        Read(_global, _globalFile, ref _globalIndex, GiB / 4);
        Read(_m, _memcgFile, ref _memcgIndex, GiB / 4);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _global.Dispose();
        _m.Dispose();
    }

    private static void Read(Machine m, AddressSpace* file, ref ulong index, long pages)
    {
        for (long i = 0; i < pages; i++)
        {
            Page* page = m.AllocPages(Gfp.HighUserMovable, 0, -1);
            if (page == null)
                throw new System.InvalidOperationException("allocation failed");
            while (true)
            {
                if (index == FilePages)
                    index = 0;
                ulong e = file->IPages.Load(index);
                if (e == 0 || XArray.IsValue(e))
                    break;
                index++;        // a page still cached from the previous lap: skip it
            }
            m.AddToPageCacheLru(page, file, index++);
            PageOps.SetPageUptodate(page);
            PageOps.ClearPageLocked(page);
            m.PutPage(page);
        }
    }

    /// <summary>1 GiB read into the root cgroup of a 256 MiB machine: global direct reclaim frees 1 GiB.</summary>
    [Benchmark(Baseline = true)]
    public void GlobalReclaim1GiB() => Read(_global, _globalFile, ref _globalIndex, GiB);

    /// <summary>1 GiB read into a cgroup at memory.max 256 MiB: memcg reclaim frees 1 GiB.</summary>
    [Benchmark]
    public void MemcgReclaim1GiB() => Read(_m, _memcgFile, ref _memcgIndex, GiB);
}

/// <summary>
/// shrink_slab over 1,000 memcg-aware shrinkers at priority 6: for a memcg whose shrinker map has every bit set
/// (shrink_slab_memcg), against the root walk of the same shrinkers (baseline). Times are per shrinker.
/// </summary>
[BenchmarkCategory(Categories.MemcgShrinkSlab)]
public unsafe class MemcontrolShrinkSlabBenchmarks
{
    private const int N = 1000;
    private Machine _m = null!;
    private nint _memcg;

    [GlobalSetup]
    public void Setup()
    {
        _m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        _m.MemCgroupCreate("/bench");
        _memcg = (nint)_m.MemCgroupByPath("/bench");
        for (int i = 0; i < N; i++)
        {
            var state = _m.Heap.AllocOne<ConstructedShrinker>();
            state->Freeable = 10000;
            state->StopAfterCalls = -1;
            Shrinker* s = _m.AllocShrinker(ShrinkerKind.Constructed, state, Shrinker.DefaultSeeks, 0, Shrinker.MemcgAware);
            _m.RegisterShrinker(s);
            _m.MemcgSetShrinkerBit(_memcg, 0, s->Id);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _m.Dispose();

    /// <summary>shrink_slab(GFP_KERNEL, 0, root, 6): the global list walk.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public ulong RootWalk() => _m.ShrinkSlab(Gfp.Kernel, 0, 0, 6);

    /// <summary>shrink_slab(GFP_KERNEL, 0, memcg, 6): shrink_slab_memcg over the group's shrinker map.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public ulong MemcgWalk() => _m.ShrinkSlab(Gfp.Kernel, 0, _memcg, 6);
}
