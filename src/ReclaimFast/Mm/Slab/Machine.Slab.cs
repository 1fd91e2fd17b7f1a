using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Slab;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/slab.c (SLAB): caches whose slabs are buddy pages, per-cpu array caches, free_block, and cache_reap.
public sealed unsafe partial class Machine
{
    private ListHead* _slabCaches;       // slab_caches: newest at the head (create_cache does list_add)
    private int _nrSlabCaches;
    private bool* _cacheReapArmed;       // one reap timer per CPU while the event loop runs

    /// <summary>BATCHREFILL_LIMIT: an untouched array cache refills at most this many objects at once.</summary>
    internal const int BatchrefillLimit = 16;

    /// <summary>REAPTIMEOUT_AC = 2*HZ: each CPU runs cache_reap this often.</summary>
    internal ulong ReaptimeoutAc => 2UL * (ulong)_hz;

    /// <summary>REAPTIMEOUT_NODE = 4*HZ: the node part of cache_reap runs this often per cache.</summary>
    internal ulong ReaptimeoutNode => 4UL * (ulong)_hz;

    /// <summary>Sets up <c>slab_caches</c> and the shrinkers (boot).</summary>
    private void SlabInit()
    {
        _slabCaches = _heap.AllocOne<ListHead>();
        ListHead.Init(_slabCaches);
        _cacheReapArmed = _heap.AllocArray<bool>(_nrCpus);
        ShrinkerInit();
    }

    /// <summary>Slab caches created on this machine.</summary>
    public int NrSlabCaches => _nrSlabCaches;

    /// <summary>
    /// <c>kmem_cache_create</c> for SLAB (<c>__kmem_cache_create</c> + <c>enable_cpucache</c> + <c>setup_kmem_cache_node</c>).
    /// Simplified: the slab order is the smallest holding one object (the kernel also weighs the left-over), the
    /// freelist is always on-slab (one byte per object) and there is no per-node shared array.
    /// </summary>
    internal KmemCache* KmemCacheCreate(uint size, bool reclaimable)
    {
        if (size < 16 || size > (4096u << 3))
            throw new ArgumentOutOfRangeException(nameof(size), size, "slab object size must be 16..32768 bytes");
        var cache = _heap.AllocOne<KmemCache>();
        cache->Size = (size + 7) & ~7u;           // ALIGN(size, BYTES_PER_WORD)
        cache->Flags = reclaimable ? KmemCache.SlabReclaimAccount : 0;
        cache->Allocflags = Gfp.Comp;
        int order = 0;
        uint num, objOffset;
        while (true)
        {
            uint slabBytes = 4096u << order;
            // Back pointer (8 bytes) + one freelist_idx_t per object + the objects.
            num = Math.Min((slabBytes - 8) / (cache->Size + 1), 255u);
            while (num > 0 && ((8 + num + 7) & ~7u) + num * cache->Size > slabBytes)
                num--;
            if (num > 0)
            {
                objOffset = (8 + num + 7) & ~7u;
                break;
            }
            order++;
        }
        cache->Gfporder = order;
        cache->Num = num;
        cache->ObjOffset = objOffset;
        cache->Id = _nrSlabCaches++;

        // enable_cpucache: limit by object size, batchcount = (limit + 1) / 2.
        uint limit = cache->Size > 131072 ? 1u : cache->Size > 4096 ? 8u : cache->Size > 1024 ? 24u : cache->Size > 256 ? 54u : 120u;
        cache->Limit = limit;
        cache->Batchcount = (limit + 1) / 2;
        cache->CpuCache = (ArrayCache**)_heap.AllocArray<nint>(_nrCpus);
        for (int cpu = 0; cpu < _nrCpus; cpu++)
        {
            var ac = (ArrayCache*)_heap.Alloc((nuint)(sizeof(ArrayCache) + limit * sizeof(void*)));
            ac->Limit = limit;
            ac->Batchcount = cache->Batchcount;
            cache->CpuCache[cpu] = ac;
        }
        cache->Node = (KmemCacheNode**)_heap.AllocArray<nint>(_nrNodes);
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            var n = _heap.AllocOne<KmemCacheNode>();
            ListHead.Init(&n->SlabsPartial);
            ListHead.Init(&n->SlabsFull);
            ListHead.Init(&n->SlabsFree);
            n->FreeLimit = (uint)(1 + NrCpusNode(nid)) * cache->Batchcount + cache->Num;
            // The kernel staggers caches by (cache address % REAPTIMEOUT_NODE); the cache id keeps it deterministic.
            n->NextReap = _jiffies + ReaptimeoutNode + (ulong)cache->Id % ReaptimeoutNode;
            cache->Node[nid] = n;
        }
        ListHead.Add(&cache->List, _slabCaches);
        ArmCacheReap();
        return cache;
    }

    private int NrCpusNode(int nid)
    {
        int n = 0;
        for (int c = 0; c < _nrCpus; c++)
        {
            if (_cpuToNode[c] == nid)
                n++;
        }
        return n;
    }

    // ---- slab pages (kmem_getpages / kmem_freepages) ----

    /// <summary>The slab page an object belongs to (<c>virt_to_head_page</c>): its memory block's back pointer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Page* ObjToSlabPage(KmemCache* cache, void* obj)
    {
        nuint blockBytes = (nuint)4096 << cache->Gfporder;
        return *(Page**)((nuint)obj & ~(blockBytes - 1));
    }

    /// <summary>
    /// <c>cache_grow_begin</c>: <c>kmem_getpages</c> (buddy pages, NR_SLAB_* + 2^order, PG_slab) and
    /// <c>alloc_slabmgmt</c> / <c>cache_init_objs</c> (freelist 0..num−1, active 0). Simplified: allocates with the
    /// caller's gfp on the node (the kernel first tries gfp_exact_node, then fallback_alloc).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Page* CacheGrowBegin(KmemCache* cache, uint gfp, int nid)
    {
        Page* page = AllocPages(gfp | cache->Allocflags, cache->Gfporder, nid);
        if (page == null)
            return null;
        ModNodePageState(PagePgdat(page), CacheVmstatIdx(cache), 1L << cache->Gfporder);
        __SetPageSlab(page);

        byte* block = (byte*)cache->SpareBlocks;
        nuint blockBytes = (nuint)4096 << cache->Gfporder;
        if (block != null)
            cache->SpareBlocks = *(void**)block;
        else
            block = (byte*)_heap.Alloc(blockBytes, blockBytes, zero: false);
        *(Page**)block = page;
        page->SlabCache = (ulong)cache;
        page->Freelist = (ulong)(block + 8);
        page->SMem = (ulong)(block + cache->ObjOffset);
        page->Active = 0;
        byte* freelist = block + 8;
        for (uint i = 0; i < cache->Num; i++)
            freelist[i] = (byte)i;
        return page;
    }

    /// <summary><c>cache_grow_end</c>: the new slab joins its node's free (or partial/full) list.</summary>
    private void CacheGrowEnd(KmemCache* cache, Page* page)
    {
        if (page == null)
            return;
        ListHead.Init(&page->SlabList);
        KmemCacheNode* n = cache->Node[PageToNid(page)];
        n->TotalSlabs++;
        if (page->Active == 0)
        {
            ListHead.AddTail(&page->SlabList, &n->SlabsFree);
            n->FreeSlabs++;
        }
        else
        {
            FixupSlabList(cache, n, page);
        }
        n->FreeObjects += cache->Num - page->Active;
    }

    /// <summary>
    /// <c>kmem_freepages</c>: clear PG_slab, reset _mapcount, clear <c>mapping</c> (slab_cache), count the pages in
    /// <c>current->reclaim_state->reclaimed_slab</c>, NR_SLAB_* − 2^order, and free them to the buddy allocator.
    /// </summary>
    private void SlabDestroy(KmemCache* cache, Page* page)
    {
        Debug.Assert(PageSlab(page) && page->Active == 0);
        int order = cache->Gfporder;
        var block = (byte*)(page->Freelist - 8);
        *(void**)block = cache->SpareBlocks;
        cache->SpareBlocks = block;

        __ClearPageSlab(page);
        page->MapCount = -1;          // page_mapcount_reset (active shares the word)
        page->Mapping = 0;            // slab_cache
        if (_currentReclaimState != null)
            _currentReclaimState->ReclaimedSlab += 1UL << order;
        ModNodePageState(PagePgdat(page), CacheVmstatIdx(cache), -(1L << order));
        FreePages(page, order);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static NodeStatItem CacheVmstatIdx(KmemCache* cache) =>
        (cache->Flags & KmemCache.SlabReclaimAccount) != 0 ? NodeStatItem.NrSlabReclaimable : NodeStatItem.NrSlabUnreclaimable;

    // ---- objects in a slab (slab_get_obj / slab_put_obj) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void* SlabGetObj(KmemCache* cache, Page* page)
    {
        byte idx = ((byte*)page->Freelist)[page->Active];
        page->Active++;
        return (byte*)page->SMem + (nuint)idx * cache->Size;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SlabPutObj(KmemCache* cache, Page* page, void* obj)
    {
        uint idx = (uint)(((byte*)obj - (byte*)page->SMem) / cache->Size);
        Debug.Assert(idx < cache->Num && page->Active > 0);
        page->Active--;
        ((byte*)page->Freelist)[page->Active] = (byte)idx;
    }

    /// <summary><c>fixup_slab_list</c>: a slab goes to slabs_full when all its objects are in use, else slabs_partial.</summary>
    private static void FixupSlabList(KmemCache* cache, KmemCacheNode* n, Page* page)
    {
        ListHead.Del(&page->SlabList);
        if (page->Active == cache->Num)
            ListHead.Add(&page->SlabList, &n->SlabsFull);
        else
            ListHead.Add(&page->SlabList, &n->SlabsPartial);
    }

    /// <summary><c>get_first_slab</c>: a partial slab, else a free one (setting free_touched).</summary>
    private static Page* GetFirstSlab(KmemCacheNode* n)
    {
        if (!ListHead.Empty(&n->SlabsPartial))
            return Page.FromLru(n->SlabsPartial.Next);
        n->FreeTouched = 1;
        if (ListHead.Empty(&n->SlabsFree))
            return null;
        n->FreeSlabs--;
        return Page.FromLru(n->SlabsFree.Next);
    }

    /// <summary><c>alloc_block</c>: move objects of one slab into the array cache.</summary>
    private static int AllocBlock(KmemCache* cache, ArrayCache* ac, Page* page, int batchcount)
    {
        void** entry = ArrayCache.Entry(ac);
        Debug.Assert(ac->Avail + (uint)batchcount <= ac->Limit, "alloc_block would overflow the array cache");
        while (page->Active < cache->Num && batchcount-- != 0)
            entry[ac->Avail++] = SlabGetObj(cache, page);
        return batchcount;
    }

    // ---- allocation and free (kmem_cache_alloc / kmem_cache_free) ----

    /// <summary>
    /// <c>kmem_cache_alloc</c> → <c>____cache_alloc</c>: pop the CPU's array cache, or refill it. Null when no slab
    /// could be grown.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void* KmemCacheAlloc(KmemCache* cache, uint gfp)
    {
        ArrayCache* ac = cache->CpuCache[_currentCpu];
        void* obj;
        if (ac->Avail != 0)
        {
            ac->Touched = 1;
            obj = ArrayCache.Entry(ac)[--ac->Avail];
        }
        else
        {
            obj = CacheAllocRefill(cache, gfp);
        }
        if (obj != null)
            cache->ActiveObjs++;
        return obj;
    }

    /// <summary>
    /// <c>cache_alloc_refill</c>: take up to batchcount objects (BATCHREFILL_LIMIT if the array was not touched) from
    /// partial then free slabs; grow the cache when there are none.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void* CacheAllocRefill(KmemCache* cache, uint gfp)
    {
        int node = NumaNodeId;
        ArrayCache* ac = cache->CpuCache[_currentCpu];
        int batchcount = (int)ac->Batchcount;
        if (ac->Touched == 0 && batchcount > BatchrefillLimit)
            batchcount = BatchrefillLimit;
        KmemCacheNode* n = cache->Node[node];
        Debug.Assert(ac->Avail == 0);

        if (n->FreeObjects != 0)
        {
            while (batchcount > 0)
            {
                Page* page = GetFirstSlab(n);
                if (page == null)
                    break;
                batchcount = AllocBlock(cache, ac, page, batchcount);
                FixupSlabList(cache, n, page);
            }
            n->FreeObjects -= ac->Avail;
        }

        if (ac->Avail == 0)
        {
            Page* page = CacheGrowBegin(cache, gfp, node);
            // The page allocation may have reclaimed, and shrinkers may have freed objects into this very array.
            if (ac->Avail == 0 && page != null)
                AllocBlock(cache, ac, page, batchcount);
            CacheGrowEnd(cache, page);
            if (ac->Avail == 0)
                return null;
        }
        ac->Touched = 1;
        return ArrayCache.Entry(ac)[--ac->Avail];
    }

    /// <summary>
    /// <c>kmem_cache_free</c> → <c>___cache_free</c>: push on the CPU's array cache, flushing batchcount objects to
    /// the slabs first when it is full. Simplified: an object of another node is freed to its node at once (the
    /// kernel queues it on an alien cache first).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void KmemCacheFree(KmemCache* cache, void* obj)
    {
        cache->ActiveObjs--;
        Page* page = ObjToSlabPage(cache, obj);
        if (_nrNodes > 1 && PageToNid(page) != NumaNodeId)
        {
            FreeAlien(cache, obj, PageToNid(page));
            return;
        }
        ArrayCache* ac = cache->CpuCache[_currentCpu];
        if (ac->Avail >= ac->Limit)
            CacheFlusharray(cache, ac);
        ArrayCache.Entry(ac)[ac->Avail++] = obj;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeAlien(KmemCache* cache, void* obj, int nid)
    {
        ListHead list;
        ListHead.Init(&list);
        FreeBlock(cache, &obj, 1, nid, &list);
        SlabsDestroy(cache, &list);
    }

    /// <summary><c>cache_flusharray</c>: free the oldest batchcount objects of a full array cache to the slabs.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CacheFlusharray(KmemCache* cache, ArrayCache* ac)
    {
        int batchcount = (int)ac->Batchcount;
        ListHead list;
        ListHead.Init(&list);
        void** entry = ArrayCache.Entry(ac);
        FreeBlock(cache, entry, batchcount, NumaNodeId, &list);
        ac->Avail -= (uint)batchcount;
        Buffer.MemoryCopy(entry + batchcount, entry, ac->Avail * (nuint)sizeof(void*), ac->Avail * (nuint)sizeof(void*));
        SlabsDestroy(cache, &list);
    }

    /// <summary>
    /// <c>free_block</c>: return objects to their slabs (a slab that empties goes to slabs_free, others to the tail of
    /// slabs_partial), then move free slabs beyond the node's <c>free_limit</c> to <paramref name="list"/> for
    /// destruction. <paramref name="node"/> is the caller's node (objects are sorted by their own).
    /// </summary>
    private void FreeBlock(KmemCache* cache, void** objpp, int nrObjects, int node, ListHead* list)
    {
        // Each object goes back to its own node's lists: a slab grown for this node may have come from another
        // node when the allocator fell back (the kernel's fallback_alloc keeps such objects apart).
        for (int i = 0; i < nrObjects; i++)
        {
            void* obj = objpp[i];
            Page* page = ObjToSlabPage(cache, obj);
            KmemCacheNode* n = cache->Node[PageToNid(page)];
            n->FreeObjects++;
            ListHead.Del(&page->SlabList);
            SlabPutObj(cache, page, obj);
            if (page->Active == 0)
            {
                ListHead.Add(&page->SlabList, &n->SlabsFree);
                n->FreeSlabs++;
            }
            else
            {
                ListHead.AddTail(&page->SlabList, &n->SlabsPartial);
            }
        }
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            KmemCacheNode* n = cache->Node[nid];
            while (n->FreeObjects > n->FreeLimit && !ListHead.Empty(&n->SlabsFree))
            {
                n->FreeObjects -= cache->Num;
                Page* page = Page.FromLru(n->SlabsFree.Prev);
                ListHead.Del(&page->SlabList);
                ListHead.Add(&page->SlabList, list);
                n->FreeSlabs--;
                n->TotalSlabs--;
            }
        }
    }

    /// <summary><c>slabs_destroy</c>: destroy every slab on the list.</summary>
    private void SlabsDestroy(KmemCache* cache, ListHead* list)
    {
        while (!ListHead.Empty(list))
        {
            Page* page = Page.FromLru(list->Next);
            ListHead.Del(&page->SlabList);
            SlabDestroy(cache, page);
        }
    }

    // ---- cache_reap ----

    /// <summary>
    /// <c>drain_array</c>: skip an empty array; clear <c>touched</c> and skip a used one; otherwise free
    /// (limit + 4) / 5 objects (or half, rounded up, if fewer are there) to the slabs (<c>drain_array_locked</c>).
    /// </summary>
    internal void DrainArray(KmemCache* cache, KmemCacheNode* n, ArrayCache* ac, int node)
    {
        if (ac == null || ac->Avail == 0)
            return;
        if (ac->Touched != 0)
        {
            ac->Touched = 0;
            return;
        }
        int tofree = (int)(ac->Limit + 4) / 5;
        if (tofree > ac->Avail)
            tofree = (int)(ac->Avail + 1) / 2;
        ListHead list;
        ListHead.Init(&list);
        void** entry = ArrayCache.Entry(ac);
        FreeBlock(cache, entry, tofree, node, &list);
        ac->Avail -= (uint)tofree;
        Buffer.MemoryCopy(entry + tofree, entry, ac->Avail * (nuint)sizeof(void*), ac->Avail * (nuint)sizeof(void*));
        SlabsDestroy(cache, &list);
    }

    /// <summary><c>drain_freelist</c>: destroy up to <paramref name="tofree"/> slabs from the tail of slabs_free.</summary>
    internal int DrainFreelist(KmemCache* cache, KmemCacheNode* n, int tofree)
    {
        int nrFreed = 0;
        while (nrFreed < tofree && !ListHead.Empty(&n->SlabsFree))
        {
            Page* page = Page.FromLru(n->SlabsFree.Prev);
            ListHead.Del(&page->SlabList);
            n->FreeSlabs--;
            n->TotalSlabs--;
            n->FreeObjects -= cache->Num;
            SlabDestroy(cache, page);
            nrFreed++;
        }
        return nrFreed;
    }

    /// <summary>
    /// Mirrors <c>cache_reap</c> (mm/slab.c) on CPU <paramref name="cpu"/>: for every cache, drain this CPU's array
    /// cache; then, at most every REAPTIMEOUT_NODE per cache and node, drain free slabs
    /// ((free_limit + 5·num − 1) / (5·num) of them) unless a free slab was used since the last time.
    /// </summary>
    internal void CacheReap(int cpu)
    {
        int savedCpu = _currentCpu;
        SwitchCpu(cpu);
        int node = NumaNodeId;
        ListHead* head = _slabCaches;
        for (ListHead* pos = head->Next; pos != head; pos = pos->Next)
        {
            KmemCache* searchp = KmemCache.FromList(pos);
            KmemCacheNode* n = searchp->Node[node];
            // reap_alien: alien caches are not emulated (remote frees go to their node at once).
            DrainArray(searchp, n, searchp->CpuCache[cpu], node);
            if ((long)(n->NextReap - _jiffies) > 0)     // time_after(n->next_reap, jiffies)
                continue;
            n->NextReap = _jiffies + ReaptimeoutNode;
            // drain_array(n->shared): no shared arrays.
            if (n->FreeTouched != 0)
                n->FreeTouched = 0;
            else
                DrainFreelist(searchp, n, (int)((n->FreeLimit + 5 * searchp->Num - 1) / (5 * searchp->Num)));
        }
        SwitchCpu(savedCpu);
    }

    /// <summary>
    /// Arms one cache_reap timer per CPU once a slab cache exists. The kernel's first run is
    /// <c>__round_jiffies_relative(HZ, cpu)</c> after boot; here HZ, unrounded.
    /// </summary>
    private void ArmCacheReap()
    {
        if (_nrSlabCaches == 0)
            return;
        for (int cpu = 0; cpu < _nrCpus; cpu++)
        {
            if (_cacheReapArmed[cpu])
                continue;
            _cacheReapArmed[cpu] = true;
            AddTimer(_jiffies + (ulong)_hz, TimerCacheReap, cpu, 0);
        }
    }

    /// <summary>
    /// The reap timer fired on <paramref name="cpu"/>: run cache_reap and re-arm REAPTIMEOUT_AC later (the kernel
    /// rounds it to a whole second). Not re-armed once no task is left, so a finished workload lets the loop end.
    /// </summary>
    private void CacheReapTimer(int cpu)
    {
        _cacheReapArmed[cpu] = false;
        CacheReap(cpu);
        for (int t = 0; t < _nrTasks; t++)
        {
            if (!_tasks[t].Exited)
            {
                _cacheReapArmed[cpu] = true;
                AddTimer(_jiffies + ReaptimeoutAc, TimerCacheReap, cpu, 0);
                return;
            }
        }
    }

    // ---- queries (tests, /proc/slabinfo-like) ----

    /// <summary>Slabs of the cache on node <paramref name="nid"/> (<c>total_slabs</c>).</summary>
    internal static ulong KmemCacheTotalSlabs(KmemCache* cache, int nid) => cache->Node[nid]->TotalSlabs;
}
