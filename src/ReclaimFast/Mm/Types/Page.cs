using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReclaimFast.Mm.Types;

/// <summary>
/// Mirrors v5.4 x86-64 <c>struct page</c> (include/linux/mm_types.h): 64 bytes, one per PFN, all in the
/// single native <c>mem_map</c>. Union arms overlay the same bytes exactly as the kernel's do; no managed
/// reference ever lives here.
/// </summary>
/// <remarks>
/// <code>
///  0        8               24        32       40        48          52         56          64
///  | flags  | lru.next/prev | mapping | index  | private | _mapcount | _refcount | mem_cgroup |
///  |        | compound_head (tail: head|1) @8; first tail: dtor u8 @16, order u8 @17, mapcount @20 |
///  |        | pt arm: pmd_huge_pte @16, pt_mm @32, ptl @40                      | page_type @48 |
///  |        | slab arm: slab_list @8, slab_cache @24, freelist @32, s_mem @40     | active @48    |
/// </code>
/// The five words @8..@48 are the kernel's "five words (20/40 bytes) available" union.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = 64)]
public unsafe struct Page
{
    /// <summary><c>flags</c>: PG_* bits low, then (top down) node and zone numbers; see <see cref="PageOps"/>.</summary>
    [FieldOffset(0)] public ulong Flags;

    // ---- page cache / anonymous page arm (words 1-5) ----

    /// <summary><c>lru</c>: LRU list, buddy free list, pcp list or the caller's private list.</summary>
    [FieldOffset(8)] public ListHead Lru;

    /// <summary>
    /// <c>mapping</c>: <c>struct address_space*</c>, or <c>anon_vma*</c> | PAGE_MAPPING_ANON, or a movable/KSM tag.
    /// Kept untyped here (as mm_types.h forward-declares it); typed views live in Mm/Rmap and Mm/Filemap.
    /// </summary>
    [FieldOffset(24)] public ulong Mapping;

    /// <summary><c>index</c>: page offset in the mapping; the pcp migratetype while on a per-cpu list.</summary>
    [FieldOffset(32)] public ulong Index;

    /// <summary><c>private</c>: buffer heads (PagePrivate), swp_entry_t (PageSwapCache), buddy order (PageBuddy).</summary>
    [FieldOffset(40)] public ulong Private;

    // ---- compound tail arm ----

    /// <summary><c>compound_head</c>: on a tail page, the head page's address with bit 0 set (overlays <c>lru.next</c>).</summary>
    [FieldOffset(8)] public ulong CompoundHeadWord;

    /// <summary><c>compound_dtor</c> (first tail page only).</summary>
    [FieldOffset(16)] public byte CompoundDtor;

    /// <summary><c>compound_order</c> (first tail page only).</summary>
    [FieldOffset(17)] public byte CompoundOrder;

    /// <summary><c>compound_mapcount</c> (first tail page only; −1 = unmapped).</summary>
    [FieldOffset(20)] public int CompoundMapcount;

    // ---- page table page arm ----

    /// <summary><c>pmd_huge_pte</c> (page-table pages; protected by ptl).</summary>
    [FieldOffset(16)] public ulong PmdHugePte;

    /// <summary><c>pt_mm</c>: the mm a pgd page belongs to (x86 pgds).</summary>
    [FieldOffset(32)] public ulong PtMm;

    /// <summary><c>ptl</c>: the split page-table lock (a 4-byte spinlock inline, !ALLOC_SPLIT_PTLOCKS).</summary>
    [FieldOffset(40)] public uint Ptl;

    // ---- slab arm (mm/slab.c; mm_types.h "slab, slob and slub") ----

    /// <summary><c>slab_list</c>: the slab's place on its node's full/partial/free list (overlays <c>lru</c>).</summary>
    [FieldOffset(8)] public ListHead SlabList;

    /// <summary><c>slab_cache</c>: the owning <c>struct kmem_cache*</c> (a native <c>KmemCache*</c>; overlays <c>mapping</c>).</summary>
    [FieldOffset(24)] public ulong SlabCache;

    /// <summary><c>freelist</c>: SLAB's array of free object indices (<c>freelist_idx_t</c>, one byte each).</summary>
    [FieldOffset(32)] public ulong Freelist;

    /// <summary><c>s_mem</c>: the slab's first object.</summary>
    [FieldOffset(40)] public ulong SMem;

    /// <summary><c>active</c>: SLAB's count of objects in use (shares the word with <c>_mapcount</c>).</summary>
    [FieldOffset(48)] public uint Active;

    // ---- word 6 and on ----

    /// <summary><c>_mapcount</c>: page-table mappings − 1 (−1 = unmapped). Shares the word with <see cref="PageType"/>.</summary>
    [FieldOffset(48)] public int MapCount;

    /// <summary><c>page_type</c>: for pages never mapped to user space; a type is set by <em>clearing</em> its bit from the −1 idle value.</summary>
    [FieldOffset(48)] public uint PageType;

    /// <summary><c>_refcount</c>: usage count; 0 = free.</summary>
    [FieldOffset(52)] public int RefCount;

    /// <summary><c>mem_cgroup</c>: the charged memory cgroup (CONFIG_MEMCG), a native <c>MemCgroup*</c> or 0.</summary>
    [FieldOffset(56)] public ulong MemCgroup;

    /// <summary>The <c>lru</c> list_head's address, for list operations.</summary>
    public ListHead* LruPtr
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (ListHead*)Unsafe.AsPointer(ref Lru);
    }

    /// <summary><c>lru_to_page</c>/<c>list_entry(ptr, struct page, lru)</c>: the page whose <c>lru</c> is at <paramref name="lru"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Page* FromLru(ListHead* lru) => (Page*)((byte*)lru - 8);
}
