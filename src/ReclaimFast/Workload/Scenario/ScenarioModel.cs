using System.Collections.Generic;

namespace ReclaimFast.Workload.Scenario;

/// <summary>A parsed and validated scenario file: the machine, its memory cgroups, files, processes and timeline.</summary>
public sealed class ScenarioDefinition
{
    /// <summary>Where the scenario came from (the file name used in messages).</summary>
    public required string Source { get; init; }

    /// <summary><c>name</c>: a short identifier.</summary>
    public required string Name { get; init; }

    /// <summary><c>description</c>: one line for <c>reclaimfast scenarios</c>.</summary>
    public string Description { get; init; } = "";

    /// <summary><c>seed</c>: seeds the scheduler and every access generator.</summary>
    public ulong Seed { get; init; }

    /// <summary><c>duration</c> in simulated seconds.</summary>
    public required double Duration { get; init; }

    /// <summary><c>machine</c>.</summary>
    public required ScenarioMachine Machine { get; init; }

    /// <summary><c>memcgs</c>, parents before children.</summary>
    public IReadOnlyList<ScenarioMemcgSpec> Memcgs { get; init; } = [];

    /// <summary><c>files</c>.</summary>
    public IReadOnlyList<ScenarioFile> Files { get; init; } = [];

    /// <summary><c>processes</c>.</summary>
    public IReadOnlyList<ScenarioProcess> Processes { get; init; } = [];

    /// <summary><c>events</c>, in file order (the runner fires them by time, ties in file order).</summary>
    public IReadOnlyList<ScenarioEvent> Events { get; init; } = [];
}

/// <summary>The <c>machine</c> section.</summary>
public sealed class ScenarioMachine
{
    /// <summary><c>nodes</c>; null = the built-in 16 GiB two-node machine (<see cref="MachineDescription.Default"/>).</summary>
    public IReadOnlyList<ScenarioNode>? Nodes { get; init; }

    /// <summary><c>cpus</c>; null = 4 for the built-in machine, else one per node.</summary>
    public int? Cpus { get; init; }

    /// <summary><c>min_free_kbytes</c>; null = the kernel's computed default.</summary>
    public int? MinFreeKbytes { get; init; }

    /// <summary><c>watermark_scale_factor</c> (1..1000, default 10).</summary>
    public int WatermarkScaleFactor { get; init; } = 10;

    /// <summary><c>swappiness</c> (0..100, default 60).</summary>
    public int Swappiness { get; init; } = 60;

    /// <summary><c>swap</c> devices.</summary>
    public IReadOnlyList<ScenarioSwap> Swap { get; init; } = [];

    /// <summary><c>zone_reclaim_mode</c> (0..7, default 0).</summary>
    public int ZoneReclaimMode { get; init; }

    /// <summary><c>laptop_mode</c> (default false).</summary>
    public bool LaptopMode { get; init; }

    /// <summary><c>hz</c> (default 250).</summary>
    public int Hz { get; init; } = 250;
}

/// <summary>One node: its zone sizes in bytes (0 = the node has no such zone).</summary>
public sealed class ScenarioNode
{
    /// <summary><c>zones.dma</c>.</summary>
    public long Dma { get; init; }

    /// <summary><c>zones.dma32</c>.</summary>
    public long Dma32 { get; init; }

    /// <summary><c>zones.normal</c>.</summary>
    public long Normal { get; init; }

    /// <summary><c>zones.movable</c>.</summary>
    public long Movable { get; init; }
}

/// <summary>One swap device.</summary>
public sealed class ScenarioSwap
{
    /// <summary><c>size</c> in bytes.</summary>
    public required long Size { get; init; }

    /// <summary><c>priority</c> (≥ 0), or null for swapon's default (−2, −3, … in order).</summary>
    public int? Priority { get; init; }
}

/// <summary>A memcg knob a scenario can set (the cgroup v2 file names, <c>soft_limit</c> from v1).</summary>
public enum ScenarioMemcgKnob
{
    /// <summary><c>memory.max</c>.</summary>
    Max,

    /// <summary><c>memory.high</c>.</summary>
    High,

    /// <summary><c>memory.low</c>.</summary>
    Low,

    /// <summary><c>memory.min</c>.</summary>
    Min,

    /// <summary><c>memory.swap.max</c>.</summary>
    SwapMax,

    /// <summary><c>memory.soft_limit_in_bytes</c> (v1).</summary>
    SoftLimit,
}

/// <summary>One memory cgroup and its limits (bytes; <see cref="ulong.MaxValue"/> = "max"; null = not set).</summary>
public sealed class ScenarioMemcgSpec
{
    /// <summary><c>path</c>, e.g. <c>/batch/sort</c>; its parent must be declared before it (or be the root).</summary>
    public required string Path { get; init; }

    /// <summary>The knobs set at creation, in the order max, high, low, min, swap_max, soft_limit.</summary>
    public required IReadOnlyList<(ScenarioMemcgKnob Knob, ulong Bytes)> Knobs { get; init; }
}

/// <summary>One file.</summary>
public sealed class ScenarioFile
{
    /// <summary><c>name</c>.</summary>
    public required string Name { get; init; }

    /// <summary><c>size</c> in bytes (rounded up to whole pages).</summary>
    public required long Size { get; init; }

    /// <summary><c>cached</c>: the fraction of the file (from its start) in the page cache at boot.</summary>
    public double Cached { get; init; }
}

/// <summary>How a VMA is mapped.</summary>
public enum ScenarioVmaKind
{
    /// <summary><c>anon</c>: MAP_PRIVATE|MAP_ANONYMOUS.</summary>
    Anon,

    /// <summary><c>private_file</c>: MAP_PRIVATE of a file (writes are copied on write).</summary>
    PrivateFile,

    /// <summary><c>shared_file</c>: MAP_SHARED of a file (writes dirty the page cache).</summary>
    SharedFile,
}

/// <summary>One mapping of a process.</summary>
public sealed class ScenarioVma
{
    /// <summary><c>name</c>, unique within the process.</summary>
    public required string Name { get; init; }

    /// <summary><c>kind</c>.</summary>
    public required ScenarioVmaKind Kind { get; init; }

    /// <summary><c>size</c> in bytes (rounded up to whole pages).</summary>
    public required long Size { get; init; }

    /// <summary><c>file</c>: the mapped file for the file kinds.</summary>
    public string? File { get; init; }

    /// <summary><c>mlock</c>: mapped with MAP_LOCKED (populated and mlocked at once).</summary>
    public bool Mlock { get; init; }
}

/// <summary>An access pattern of a phase.</summary>
public enum AccessPattern
{
    /// <summary><c>sequential</c>: one pass from the first page to the last, then idle.</summary>
    Sequential,

    /// <summary><c>uniform</c>: pages drawn uniformly at random.</summary>
    Uniform,

    /// <summary><c>zipf</c>: page k (from 1) drawn with probability ∝ 1/k^θ.</summary>
    Zipf,

    /// <summary><c>loop</c>: sequential, wrapping around forever.</summary>
    Loop,

    /// <summary><c>hot_cold</c>: the first <c>hot_fraction</c> of pages gets <c>hot_probability</c> of the accesses.</summary>
    HotCold,

    /// <summary><c>stride</c>: every <c>stride</c>-th page, wrapping around.</summary>
    Stride,
}

/// <summary>One phase of a process: an access pattern over a VMA (or a file, through read/write) in a time window.</summary>
public sealed class ScenarioPhase
{
    /// <summary><c>start</c> in simulated seconds.</summary>
    public required double Start { get; init; }

    /// <summary><c>end</c> in simulated seconds.</summary>
    public required double End { get; init; }

    /// <summary><c>pattern</c>.</summary>
    public required AccessPattern Pattern { get; init; }

    /// <summary><c>vma</c>: the VMA accessed through the page tables (exclusive with <see cref="File"/>).</summary>
    public string? Vma { get; init; }

    /// <summary><c>file</c>: the file accessed through read(2)/write(2) (exclusive with <see cref="Vma"/>).</summary>
    public string? File { get; init; }

    /// <summary><c>theta</c> (zipf, default 0.99).</summary>
    public double Theta { get; init; } = 0.99;

    /// <summary><c>hot_fraction</c> (hot_cold, default 0.2).</summary>
    public double HotFraction { get; init; } = 0.2;

    /// <summary><c>hot_probability</c> (hot_cold, default 0.8).</summary>
    public double HotProbability { get; init; } = 0.8;

    /// <summary><c>stride</c> in bytes (stride, a whole number of pages).</summary>
    public long Stride { get; init; }

    /// <summary><c>write_ratio</c> (or <c>op</c>): the fraction of accesses that write.</summary>
    public double WriteRatio { get; init; }

    /// <summary><c>rate</c>: accesses per simulated second.</summary>
    public required double Rate { get; init; }
}

/// <summary>Kinds of timeline events.</summary>
public enum ScenarioEventKind
{
    /// <summary><c>alloc_burst</c>: allocate <c>size</c> with <c>gfp</c>, hold it for <c>hold</c> seconds (or to the end).</summary>
    AllocBurst,

    /// <summary><c>slab_grow</c>: allocate <c>objects</c> reclaimable dentry-like slab objects.</summary>
    SlabGrow,

    /// <summary><c>fork</c>: the <c>process</c> forks; the child shares its pages copy-on-write and runs its phases.</summary>
    Fork,

    /// <summary><c>exit</c>: the <c>process</c> exits.</summary>
    Exit,

    /// <summary><c>suspend_to_disk</c>: hibernation frees <c>size</c> with <c>shrink_all_memory</c>.</summary>
    SuspendToDisk,

    /// <summary><c>force_empty</c>: <c>memory.force_empty</c> of <c>memcg</c>.</summary>
    ForceEmpty,

    /// <summary><c>set_limit</c>: set <c>knob</c> of <c>memcg</c> to <c>value</c>.</summary>
    SetLimit,

    /// <summary><c>drop_caches</c>: write <c>value</c> to vm.drop_caches (only 2, slab, is emulated).</summary>
    DropCaches,
}

/// <summary>The allocation flags of an <c>alloc_burst</c>.</summary>
public enum ScenarioGfp
{
    /// <summary>GFP_KERNEL: may reclaim directly.</summary>
    Kernel,

    /// <summary>GFP_ATOMIC: may not sleep; dips below the min watermark, wakes kswapd.</summary>
    Atomic,

    /// <summary>GFP_HIGHUSER_MOVABLE: a user page.</summary>
    Movable,
}

/// <summary>One timeline event.</summary>
public sealed class ScenarioEvent
{
    /// <summary><c>at</c> in simulated seconds.</summary>
    public required double At { get; init; }

    /// <summary><c>kind</c>.</summary>
    public required ScenarioEventKind Kind { get; init; }

    /// <summary><c>size</c> in bytes (alloc_burst, suspend_to_disk).</summary>
    public long Size { get; init; }

    /// <summary><c>gfp</c> (alloc_burst).</summary>
    public ScenarioGfp Gfp { get; init; }

    /// <summary><c>hold</c> in seconds (alloc_burst); null = held to the end of the run.</summary>
    public double? Hold { get; init; }

    /// <summary><c>objects</c> (slab_grow).</summary>
    public long Objects { get; init; }

    /// <summary><c>process</c> (fork, exit).</summary>
    public string? Process { get; init; }

    /// <summary><c>memcg</c> (force_empty, set_limit).</summary>
    public string? Memcg { get; init; }

    /// <summary><c>knob</c> (set_limit).</summary>
    public ScenarioMemcgKnob Knob { get; init; }

    /// <summary><c>value</c>: bytes for set_limit (<see cref="ulong.MaxValue"/> = "max"), the number for drop_caches.</summary>
    public ulong Value { get; init; }
}

/// <summary>One process.</summary>
public sealed class ScenarioProcess
{
    /// <summary><c>name</c>, unique.</summary>
    public required string Name { get; init; }

    /// <summary><c>memcg</c>: the cgroup it runs in; null = the root.</summary>
    public string? Memcg { get; init; }

    /// <summary><c>oom_score_adj</c> (−1000..1000).</summary>
    public int OomScoreAdj { get; init; }

    /// <summary><c>cpu</c>: the emulated CPU it is pinned to; null = any.</summary>
    public int? Cpu { get; init; }

    /// <summary><c>start</c> in seconds: when it maps its VMAs and begins.</summary>
    public double Start { get; init; }

    /// <summary><c>vmas</c>.</summary>
    public IReadOnlyList<ScenarioVma> Vmas { get; init; } = [];

    /// <summary><c>phases</c>.</summary>
    public IReadOnlyList<ScenarioPhase> Phases { get; init; } = [];
}
