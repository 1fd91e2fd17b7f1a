using System;
using System.Collections.Generic;
using System.Globalization;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Workload;

/// <summary>
/// The <c>reclaimfast stress</c> workload: a machine sized from one number, under mixed, seeded pressure. Memory up
/// to 4 GiB is one node, up to 64 GiB two, beyond that four (node 0 holds DMA and DMA32, as
/// <see cref="MachineDescription.Uniform"/> lays it out), two CPUs per node, swap half the size of RAM. The work is
/// a fixed set of task slots; whenever a slot's task exits (done, or OOM-killed) a fresh one takes its place, so
/// the pressure is steady: nodes + 1 processes writing anonymous memory (≈90 % of RAM together, swept 2–4 times),
/// a page-cache reader streaming a new file (≈20 %), a re-reader going over one small file eight times (≈1.5 %, so
/// evicted pages refault), a writer dirtying every fourth page it reads (≈10 %), a task growing a dentry-like slab
/// cache (≈2 % of RAM in objects, reclaimable by its shrinker) and, for the first four tasks of its slot, a task
/// pinning 1 % of RAM as kernel memory. Sizes vary ±30 % with the seed. Each task step touches a burst of
/// RAM/1024 pages (16..65536), so pressure builds within a few thousand ops at any size.
/// </summary>
/// <remarks>
/// One <b>op</b> is one scheduling decision of the event loop (<see cref="Machine.RunStep"/>): one step of a
/// workload task (one burst of accesses or allocations, including any direct reclaim it triggers) or one step of a
/// kswapd. Same memory size and seed ⇒ the same machine, tasks and event order.
/// </remarks>
public sealed class StressWorkload : IDisposable
{
    /// <summary>Smallest memory accepted: 64 MiB.</summary>
    public const long MinMemoryBytes = 64L << 20;

    /// <summary>Largest memory accepted: 256 GiB.</summary>
    public const long MaxMemoryBytes = 256L << 30;

    private const int MaxPinnedTasks = 4;

    private enum Kind
    {
        Anon,
        Reader,
        Rereader,
        Writer,
        Slab,
        Pinned,
    }

    private readonly Machine _machine;
    private readonly Kind[] _kinds;
    private readonly EmulatedTask?[] _slots;
    private readonly int[] _started;
    private readonly int _slabCache;
    private readonly long _ramPages;
    private readonly int _burst;
    private ulong _rng;
    private long _ops;
    private int _tasksStarted;

    /// <summary>Boots the stress machine for <paramref name="memoryBytes"/> of RAM and starts its tasks.</summary>
    public StressWorkload(long memoryBytes, ulong seed)
    {
        if (!TryValidateMemory(memoryBytes, out string? problem))
            throw new ArgumentOutOfRangeException(nameof(memoryBytes), memoryBytes, problem);
        _machine = Machine.Boot(Describe(memoryBytes));
        try
        {
            _ramPages = (long)_machine.TotalramPages();
            _machine.SwapOn((ulong)(_ramPages / 2));
            _machine.ConfigureEventLoop(seed);
            _rng = seed ^ 0x5DEECE66DUL;
            _burst = (int)Math.Clamp(_ramPages / 1024, 16, 65536);
            _slabCache = _machine.CreateDentryLikeCache();
            var kinds = new List<Kind>();
            for (int i = 0; i <= _machine.NrNodes; i++)
                kinds.Add(Kind.Anon);
            kinds.AddRange([Kind.Reader, Kind.Rereader, Kind.Writer, Kind.Slab, Kind.Pinned]);
            _kinds = [.. kinds];
            _slots = new EmulatedTask?[_kinds.Length];
            _started = new int[_kinds.Length];
            Refill();
        }
        catch
        {
            _machine.Dispose();
            throw;
        }
    }

    /// <summary>The machine under stress.</summary>
    public Machine Machine => _machine;

    /// <summary>Ops run so far.</summary>
    public long Ops => _ops;

    /// <summary>Workload tasks started so far.</summary>
    public int TasksStarted => _tasksStarted;

    /// <summary>Pages each task step touches or allocates.</summary>
    public int Burst => _burst;

    /// <summary>Swap slots (pages) of the stress machine's one device.</summary>
    public long SwapPages => _machine.TotalSwapPages;

    /// <summary>Whether <paramref name="bytes"/> is a size the stress machine accepts; if not, why.</summary>
    public static bool TryValidateMemory(long bytes, out string? problem)
    {
        problem = bytes switch
        {
            < MinMemoryBytes => $"must be at least {Size(MinMemoryBytes)}",
            > MaxMemoryBytes => $"must be at most {Size(MaxMemoryBytes)}",
            _ when bytes % Pfn.PageSize != 0 => $"must be a whole number of {Pfn.PageSize}-byte pages",
            _ => null,
        };
        return problem is null;
    }

    /// <summary>The stress machine for <paramref name="memoryBytes"/>: nodes, zones and CPUs derived from the size.</summary>
    public static MachineDescription Describe(long memoryBytes)
    {
        if (!TryValidateMemory(memoryBytes, out string? problem))
            throw new ArgumentOutOfRangeException(nameof(memoryBytes), memoryBytes, problem);
        int nodes = memoryBytes <= 4L << 30 ? 1 : memoryBytes <= 64L << 30 ? 2 : 4;
        ulong pages = (ulong)memoryBytes / Pfn.PageSize;
        // Whole MAX_ORDER blocks per node, so every node's memory is buddy-aligned; the remainder is dropped.
        ulong perNode = pages / (ulong)nodes / MmZone.MaxOrderNrPages * MmZone.MaxOrderNrPages;
        return MachineDescription.Uniform(nodes, perNode, nrCpus: 2 * nodes);
    }

    /// <summary>Runs one op; first replaces any task that has exited.</summary>
    public void RunOp()
    {
        Refill();
        _machine.RunStep();
        _ops++;
    }

    private void Refill()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i] is { HasExited: false })
                continue;
            Kind kind = _kinds[i];
            if (kind == Kind.Pinned && _started[i] >= MaxPinnedTasks)
                continue;           // pinned pages are never freed: bound them
            EmulatedTask task = NewTask(kind, i);
            _machine.AddTask(task);
            _slots[i] = task;
            _started[i]++;
            _tasksStarted++;
        }
    }

    private EmulatedTask NewTask(Kind kind, int slot)
    {
        long m = _ramPages;
        int b = _burst;
        string name = string.Create(CultureInfo.InvariantCulture, $"{kind.ToString().ToLowerInvariant()}{slot}.{_started[slot]}");
        return kind switch
        {
            Kind.Anon => new AnonTouchTask(name, Vary(m * 9 / 10 / (_machine.NrNodes + 1)), b, passes: 2 + (int)(Next() % 3)),
            Kind.Reader => new PageCacheFillTask(name, Vary(m * 2 / 10), b),
            Kind.Rereader => new FileRereadTask(name, Vary(m / 64), passes: 8, b),
            Kind.Writer => new PageCacheFillTask(name, Vary(m / 10), b) { DirtyEvery = 4 },
            // 4096 / 192-byte objects: about 21 dentry-like objects fill a page.
            Kind.Slab => new SlabGrowTask(name, _slabCache, Vary(m * 2 / 100) * 21, b * 4),
            _ => new PinnedAllocTask(name, Vary(m / 100), Math.Max(1, b / 4)),
        };
    }

    /// <summary><paramref name="pages"/> ±30 %, at least one.</summary>
    private long Vary(long pages) => Math.Max(1, pages * (70 + (long)(Next() % 61)) / 100);

    /// <summary>splitmix64: the workload's own seeded stream (the machine's RNG stays the scheduler's).</summary>
    private ulong Next()
    {
        ulong z = _rng += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static string Size(long bytes) =>
        bytes >= 1L << 30 ? string.Create(CultureInfo.InvariantCulture, $"{bytes >> 30}GiB") : string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20}MiB");

    /// <summary>Frees the machine.</summary>
    public void Dispose() => _machine.Dispose();
}

/// <summary>
/// A workload task that reads one file of <c>pages</c> pages from start to end <c>passes</c> times with
/// <c>read(2)</c> (<c>generic_file_buffered_read</c>, <c>burst</c> pages a step): pages evicted between passes come
/// back as refaults. Exits when done, or when a page cannot be allocated.
/// </summary>
public sealed unsafe class FileRereadTask : EmulatedTask
{
    private readonly long _pages;
    private readonly int _passes;
    private readonly int _burst;
    private Mm.Filemap.File* _file;
    private long _next;

    /// <summary>Creates the task.</summary>
    public FileRereadTask(string name, long pages, int passes, int burst) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pages);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(passes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _pages = pages;
        _passes = passes;
        _burst = burst;
    }

    /// <summary>Page reads done so far.</summary>
    public long Reads => _next;

    /// <inheritdoc />
    protected internal override long Step(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        if (_file == null)
            _file = machine.CreateFile((ulong)_pages);
        long end = _pages * _passes;
        for (int i = 0; i < _burst && _next < end; i++)
        {
            if (!machine.FileReadPage(_file, (ulong)(_next % _pages)))
                return -1;
            _next++;
        }
        return _next < end ? 0 : -1;
    }
}

/// <summary>
/// A workload task that grows a dentry-like cache (<see cref="Machine.CreateDentryLikeCache"/>) by <c>burst</c>
/// objects a step, as a tree walk leaves unused dentries behind, until it has allocated <c>totalObjects</c>.
/// The objects stay on the cache's LRU for its shrinker. Exits when done or when an allocation fails.
/// </summary>
public sealed class SlabGrowTask : EmulatedTask
{
    private readonly int _cache;
    private readonly long _total;
    private readonly int _burst;
    private long _done;

    /// <summary>Creates the task for the cache with handle <paramref name="cache"/>.</summary>
    public SlabGrowTask(string name, int cache, long totalObjects, int burst) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalObjects);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _cache = cache;
        _total = totalObjects;
        _burst = burst;
    }

    /// <summary>Objects allocated so far.</summary>
    public long ObjectsGrown => _done;

    /// <inheritdoc />
    protected internal override long Step(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        long want = Math.Min(_burst, _total - _done);
        long got = machine.DentryLikeCacheGrow(_cache, want);
        _done += got;
        return got < want || _done >= _total ? -1 : 0;
    }
}
