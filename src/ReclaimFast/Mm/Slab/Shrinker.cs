using System.Runtime.InteropServices;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Slab;

/// <summary>
/// Which <c>count_objects</c>/<c>scan_objects</c> pair a <see cref="Shrinker"/> has. The kernel stores two function
/// pointers; here a kind id is dispatched by one switch, so no managed delegate lives in native memory.
/// </summary>
public enum ShrinkerKind
{
    /// <summary>A shrinker with a fixed, settable object count (<see cref="ConstructedShrinker"/>): tests and benchmarks.</summary>
    Constructed = 1,
    /// <summary><c>workingset_shadow_shrinker</c> (mm/workingset.c): <c>count_shadow_nodes</c> / <c>scan_shadow_nodes</c>.</summary>
    ShadowNodes = 2,
    /// <summary>A dentry-like cache's shrinker (<see cref="DentryLikeCache"/>): the role of a super_block's.</summary>
    DentryLike = 3,
}

/// <summary>Mirrors <c>struct shrinker</c> (include/linux/shrinker.h, v5.4).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Shrinker
{
    /// <summary>SHRINKER_NUMA_AWARE.</summary>
    public const uint NumaAware = 1;
    /// <summary>SHRINKER_MEMCG_AWARE.</summary>
    public const uint MemcgAware = 2;
    /// <summary>SHRINKER_NONSLAB.</summary>
    public const uint Nonslab = 4;
    /// <summary>DEFAULT_SEEKS.</summary>
    public const int DefaultSeeks = 2;
    /// <summary>SHRINK_BATCH (mm/vmscan.c): the batch used when <see cref="Batch"/> is 0.</summary>
    public const long ShrinkBatch = 128;
    /// <summary>SHRINK_STOP: scan_objects cannot make progress now.</summary>
    public const ulong ShrinkStop = ~0UL;
    /// <summary>SHRINK_EMPTY: count_objects has no objects at all.</summary>
    public const ulong ShrinkEmpty = ~0UL - 1;

    /// <summary><c>list</c>: place on <c>shrinker_list</c> (registration order).</summary>
    public ListHead List;
    /// <summary><c>batch</c>: objects per scan_objects call (0 = SHRINK_BATCH).</summary>
    public long Batch;
    /// <summary><c>seeks</c>: cost to recreate an object (0 = the cache is cheap: delta = freeable / 2).</summary>
    public int Seeks;
    /// <summary><c>flags</c>: NUMA_AWARE / MEMCG_AWARE / NONSLAB.</summary>
    public uint Flags;
    /// <summary><c>id</c>. The kernel numbers only MEMCG_AWARE shrinkers (shrinker_idr); every one gets an id here, for tracing.</summary>
    public int Id;
    /// <summary>Which count/scan pair this shrinker has.</summary>
    public ShrinkerKind Kind;
    /// <summary><c>nr_deferred</c>: work carried to the next call, one counter per node if NUMA_AWARE, else one.</summary>
    public long* NrDeferred;
    /// <summary>The shrinker's owner (the kernel embeds the shrinker in it and uses container_of).</summary>
    public void* Private;
}

/// <summary>Mirrors <c>struct shrink_control</c> (include/linux/shrinker.h).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ShrinkControl
{
    /// <summary><c>gfp_mask</c>.</summary>
    public uint GfpMask;
    /// <summary><c>nid</c>: the node being shrunk.</summary>
    public int Nid;
    /// <summary><c>nr_to_scan</c>: objects scan_objects should look at.</summary>
    public ulong NrToScan;
    /// <summary><c>nr_scanned</c>: objects it looked at (it may change it).</summary>
    public ulong NrScanned;
    /// <summary><c>memcg</c>: the memcg being reclaimed (0 = root / global).</summary>
    public nint Memcg;
}

/// <summary>
/// State of a <see cref="ShrinkerKind.Constructed"/> shrinker: count_objects returns <see cref="Freeable"/>;
/// scan_objects frees up to nr_to_scan of them (or returns SHRINK_STOP after <see cref="StopAfterCalls"/> calls).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct ConstructedShrinker
{
    /// <summary>What count_objects returns (may be 0 or SHRINK_EMPTY).</summary>
    public ulong Freeable;
    /// <summary>When true, scan_objects removes what it frees from <see cref="Freeable"/>; else the count stays fixed.</summary>
    public bool Consume;
    /// <summary>Calls after which scan_objects returns SHRINK_STOP (−1 = never).</summary>
    public long StopAfterCalls;
    /// <summary>scan_objects calls so far.</summary>
    public long ScanCalls;
    /// <summary>Sum of nr_to_scan over the calls that did not stop.</summary>
    public ulong Scanned;
    /// <summary>count_objects calls so far.</summary>
    public long CountCalls;
}
