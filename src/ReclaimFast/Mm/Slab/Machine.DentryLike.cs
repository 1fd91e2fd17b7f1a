using System;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Slab;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

// An emulated dentry-like reclaimable cache with its shrinker (the role of fs/dcache.c + fs/super.c shrinkers).
public sealed unsafe partial class Machine
{
    private DentryLikeCache** _dentryLikeCaches;
    private int _nrDentryLikeCaches;
    private const int MaxDentryLikeCaches = 64;

    /// <summary>
    /// Creates a dentry-like reclaimable cache of <paramref name="objectSize"/>-byte objects (192 is a dentry's
    /// size) with its shrinker registered (seeks DEFAULT_SEEKS and batch 1024, as a super_block's). Returns its handle.
    /// </summary>
    public int CreateDentryLikeCache(int objectSize = 192)
    {
        if (objectSize < sizeof(DentryLikeObject))
            throw new ArgumentOutOfRangeException(nameof(objectSize), objectSize, $"at least {sizeof(DentryLikeObject)} bytes");
        if (_nrDentryLikeCaches == MaxDentryLikeCaches)
            throw new InvalidOperationException($"at most {MaxDentryLikeCaches} dentry-like caches");
        if (_dentryLikeCaches == null)
            _dentryLikeCaches = (DentryLikeCache**)_heap.AllocArray<nint>(MaxDentryLikeCaches);
        var d = _heap.AllocOne<DentryLikeCache>();
        d->Cache = KmemCacheCreate((uint)objectSize, reclaimable: true);
        ListHead.Init(&d->Lru);
        // super_block's s_shrink: SHRINKER_NUMA_AWARE | SHRINKER_MEMCG_AWARE; one LRU for all nodes here, so
        // only MEMCG_AWARE (the count would otherwise be repeated per node).
        d->Shrinker = AllocShrinker(ShrinkerKind.DentryLike, d, Shrinker.DefaultSeeks, 1024, Shrinker.MemcgAware);
        RegisterShrinker(d->Shrinker);
        _dentryLikeCaches[_nrDentryLikeCaches] = d;
        return _nrDentryLikeCaches++;
    }

    internal DentryLikeCache* DentryLikeCacheOf(int handle)
    {
        if ((uint)handle >= (uint)_nrDentryLikeCaches)
            throw new ArgumentOutOfRangeException(nameof(handle), handle, "not a dentry-like cache handle");
        return _dentryLikeCaches[handle];
    }

    /// <summary>
    /// Workload step: allocate <paramref name="count"/> objects (GFP_KERNEL) and leave them unused on the LRU, as
    /// a tree walk leaves dentries behind. Returns how many were allocated (fewer if memory ran out).
    /// </summary>
    public long DentryLikeCacheGrow(int handle, long count)
    {
        DentryLikeCache* d = DentryLikeCacheOf(handle);
        long done = 0;
        for (; done < count; done++)
        {
            var obj = DentryLikeAlloc(d);
            if (obj == null)
                break;
            DentryLikePut(d, obj);
        }
        return done;
    }

    /// <summary>Unused objects of a dentry-like cache (what its shrinker counts).</summary>
    public long DentryLikeCacheUnused(int handle) => DentryLikeCacheOf(handle)->NrUnused;

    /// <summary>Objects allocated from a dentry-like cache's slab cache.</summary>
    public long DentryLikeCacheObjects(int handle) => DentryLikeCacheOf(handle)->Cache->ActiveObjs;

    /// <summary>
    /// A new in-use object (<c>d_alloc</c>-like), or null. It is accounted to the current task's memcg (the root for
    /// kernel threads and task-less steps, as memcg_kmem_bypass).
    /// </summary>
    internal DentryLikeObject* DentryLikeAlloc(DentryLikeCache* d)
    {
        var obj = (DentryLikeObject*)KmemCacheAlloc(d->Cache, Gfp.Kernel);
        if (obj == null)
            return null;
        obj->InUse = 1;
        ListHead.Init(&obj->Lru);
        obj->Memcg = _currentTaskStruct != null ? _currentTaskStruct->MemCgroup : 0;
        d->NrInUse++;
        return obj;
    }

    /// <summary>
    /// The last user lets go (<c>dput</c> → <c>d_lru_add</c> → <c>list_lru_add</c>): the object joins the tail of its
    /// memcg's list, and the memcg's shrinker bit is set.
    /// </summary>
    internal void DentryLikePut(DentryLikeCache* d, DentryLikeObject* obj)
    {
        obj->InUse = 0;
        ListHead.AddTail(&obj->Lru, DentryLikeList(d, obj->Memcg, 1));
        d->NrInUse--;
        d->NrUnused++;
        if (obj->Memcg != 0)
        {
            for (int nid = 0; nid < _nrNodes; nid++)
                MemcgSetShrinkerBit(obj->Memcg, nid, d->Shrinker->Id);
        }
    }

    /// <summary>An unused object is used again (<c>dget</c>; simplified: it leaves the LRU at once).</summary>
    internal void DentryLikeGet(DentryLikeCache* d, DentryLikeObject* obj)
    {
        ListHead.DelInit(&obj->Lru);
        DentryLikeList(d, obj->Memcg, -1);
        obj->InUse = 1;
        d->NrUnused--;
        d->NrInUse++;
    }

    /// <summary>count_objects for <paramref name="memcg"/>'s list (<c>list_lru_shrink_count</c>); SHRINK_EMPTY with none.</summary>
    private ulong DentryLikeCount(DentryLikeCache* d, nint memcg)
    {
        long n = memcg == 0 ? d->NrUnusedRoot : DentryLikeMemcgListOf(d, memcg)->NrItems;
        return n == 0 ? Shrinker.ShrinkEmpty : (ulong)n;
    }

    /// <summary>scan_objects: free up to <paramref name="nrToScan"/> unused objects of the memcg's list, oldest first.</summary>
    private ulong DentryLikeScan(DentryLikeCache* d, ulong nrToScan, nint memcg)
    {
        ulong freed = 0;
        ListHead* head = DentryLikeList(d, memcg, 0);
        while (freed < nrToScan && !ListHead.Empty(head))
        {
            var obj = (DentryLikeObject*)head->Next;
            ListHead.Del(&obj->Lru);
            DentryLikeList(d, memcg, -1);
            d->NrUnused--;
            KmemCacheFree(d->Cache, obj);
            freed++;
        }
        return freed;
    }
}
