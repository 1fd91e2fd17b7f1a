using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Slab;

/// <summary>
/// Mirrors SLAB's <c>struct array_cache</c> (mm/slab.c): a per-cpu stack of free objects. The kernel's flexible
/// <c>entry[]</c> follows the header in the same allocation (<see cref="Entry"/>).
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
public unsafe struct ArrayCache
{
    /// <summary><c>avail</c>: objects on the stack.</summary>
    public uint Avail;
    /// <summary><c>limit</c>: capacity; above it, <c>batchcount</c> objects are flushed back to the slabs.</summary>
    public uint Limit;
    /// <summary><c>batchcount</c>: objects moved per refill or flush.</summary>
    public uint Batchcount;
    /// <summary><c>touched</c>: used since the last cache_reap (which then skips draining it).</summary>
    public uint Touched;

    /// <summary><c>ac->entry</c>: the object pointers, right after the header.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void** Entry(ArrayCache* ac) => (void**)(ac + 1);
}

/// <summary>Mirrors SLAB's <c>struct kmem_cache_node</c> (mm/slab.h): a cache's slabs on one node.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KmemCacheNode
{
    /// <summary><c>slabs_partial</c>: slabs with free and used objects (alloc takes from here first).</summary>
    public ListHead SlabsPartial;
    /// <summary><c>slabs_full</c>.</summary>
    public ListHead SlabsFull;
    /// <summary><c>slabs_free</c>: slabs with no object in use.</summary>
    public ListHead SlabsFree;
    /// <summary><c>total_slabs</c>.</summary>
    public ulong TotalSlabs;
    /// <summary><c>free_slabs</c>.</summary>
    public ulong FreeSlabs;
    /// <summary><c>free_objects</c>: free objects in this node's slabs (not those in array caches).</summary>
    public ulong FreeObjects;
    /// <summary><c>free_limit</c>: (1 + cpus of the node) * batchcount + objects per slab.</summary>
    public uint FreeLimit;
    /// <summary><c>free_touched</c>: a free slab was taken since the last reap.</summary>
    public uint FreeTouched;
    /// <summary><c>next_reap</c> (jiffies): the node part of cache_reap runs no sooner.</summary>
    public ulong NextReap;
}

/// <summary>
/// Mirrors SLAB's <c>struct kmem_cache</c> (include/linux/slab_def.h). Slabs are page blocks from the buddy
/// allocator (PG_slab, <c>page->slab_cache</c>); each has a native memory block of the slab's size holding an
/// on-slab freelist and the objects.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct KmemCache
{
    /// <summary>SLAB_RECLAIM_ACCOUNT (include/linux/slab.h): objects are reclaimable (NR_SLAB_RECLAIMABLE).</summary>
    public const uint SlabReclaimAccount = 0x00020000;

    /// <summary><c>cpu_cache</c>: one <see cref="ArrayCache"/> per CPU.</summary>
    public ArrayCache** CpuCache;
    /// <summary><c>batchcount</c>.</summary>
    public uint Batchcount;
    /// <summary><c>limit</c>.</summary>
    public uint Limit;
    /// <summary><c>shared</c> (0: the per-node shared array is not emulated).</summary>
    public uint Shared;
    /// <summary><c>size</c>: object size, word aligned.</summary>
    public uint Size;
    /// <summary><c>num</c>: objects per slab.</summary>
    public uint Num;
    /// <summary><c>gfporder</c>: pages per slab = 2^gfporder.</summary>
    public int Gfporder;
    /// <summary><c>allocflags</c>: __GFP_COMP.</summary>
    public uint Allocflags;
    /// <summary><c>flags</c>: SLAB_RECLAIM_ACCOUNT or 0.</summary>
    public uint Flags;
    /// <summary>Offset of the first object in the slab's memory block (after the back pointer and freelist).</summary>
    public uint ObjOffset;
    /// <summary>A small number naming the cache (the kernel has <c>name</c>).</summary>
    public int Id;
    /// <summary><c>list</c>: place on <c>slab_caches</c>.</summary>
    public ListHead List;
    /// <summary><c>node</c>: one <see cref="KmemCacheNode"/> per node.</summary>
    public KmemCacheNode** Node;
    /// <summary>Memory blocks of destroyed slabs kept for reuse (an intrusive stack through their first word).</summary>
    public void* SpareBlocks;
    /// <summary>Objects allocated and not freed (the kernel's <c>num_active</c> statistic).</summary>
    public long ActiveObjs;

    /// <summary><c>list_entry(pos, struct kmem_cache, list)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static KmemCache* FromList(ListHead* list)
    {
        KmemCache layout;
        return (KmemCache*)((byte*)list - ((byte*)&layout.List - (byte*)&layout));
    }
}
