using System.Runtime.InteropServices;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Slab;

/// <summary>
/// An emulated dentry/inode-like cache: a reclaimable <see cref="KmemCache"/> whose objects are in use or unused;
/// unused ones sit on an LRU (the role of <c>sb->s_dentry_lru</c>, a <c>list_lru</c>: added at the tail, walked
/// from the head) and a shrinker frees them oldest first.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct DentryLikeCache
{
    /// <summary>The slab cache the objects come from.</summary>
    public KmemCache* Cache;
    /// <summary>The cache's registered shrinker.</summary>
    public Shrinker* Shrinker;
    /// <summary>Unused objects of the root memcg (and with no memcgs), oldest at the head.</summary>
    public ListHead Lru;
    /// <summary>Unused objects, all groups (what the cache holds that a shrinker may free).</summary>
    public long NrUnused;
    /// <summary>Objects in use.</summary>
    public long NrInUse;
    /// <summary>Objects on <see cref="Lru"/> (the root memcg's list).</summary>
    public long NrUnusedRoot;
    /// <summary>The memcg-aware <c>list_lru</c>'s per-memcg lists, indexed by memcg id (null until needed).</summary>
    public DentryLikeMemcgList** MemcgLists;
    /// <summary>Entries of <see cref="MemcgLists"/>.</summary>
    public int MemcgListsCapacity;
}

/// <summary>One memcg's unused objects of a dentry-like cache (<c>list_lru_one</c> of <c>list_lru_memcg</c>).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct DentryLikeMemcgList
{
    /// <summary>Unused objects, oldest at the head.</summary>
    public ListHead Lru;
    /// <summary>Objects on <see cref="Lru"/>.</summary>
    public long NrItems;
}

/// <summary>The header of an emulated dentry-like object, at the start of its slab object.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct DentryLikeObject
{
    /// <summary><c>d_lru</c>: place on the cache's LRU while unused.</summary>
    public ListHead Lru;
    /// <summary>1 in use, 0 unused.</summary>
    public int InUse;
    /// <summary>The memcg the object is accounted to (<c>memcg_from_slab_page</c>; 0 = root).</summary>
    public nint Memcg;
}
