using System;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.Slab;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

// The memcg side of shrink_slab (mm/vmscan.c + mm/memcontrol.c, v5.4): per-memcg, per-node shrinker bitmaps set when
// a memcg-aware cache gets objects of the group, and shrink_slab_memcg walking only the set bits. As in v5.4,
// nr_deferred stays per shrinker (per node): per-memcg nr_deferred arrived in 5.13.
public sealed unsafe partial class Machine
{
    private nint[]? _shrinkerIdr;

    /// <summary><c>shrinker_idr</c> store / remove (MEMCG_AWARE shrinkers only, as prealloc_memcg_shrinker).</summary>
    private void ShrinkerIdrSet(int id, Shrinker* shrinker)
    {
        if (_shrinkerIdr == null || id >= _shrinkerIdr.Length)
            Array.Resize(ref _shrinkerIdr, Math.Max(64, (id + 1) * 2));
        _shrinkerIdr[id] = (nint)shrinker;
    }

    /// <summary><c>idr_find(&amp;shrinker_idr, id)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Shrinker* ShrinkerById(int id)
    {
        nint[]? idr = _shrinkerIdr;
        return idr != null && (uint)id < (uint)idr.Length ? (Shrinker*)idr[id] : null;
    }

    /// <summary>
    /// <c>memcg_set_shrinker_bit(memcg, nid, shrinker_id)</c>: mark that the shrinker may have objects of the group on
    /// the node (list_lru_add does this). The map grows as shrinker ids grow (memcg_expand_shrinker_maps).
    /// </summary>
    internal void MemcgSetShrinkerBit(nint memcg, int nid, int shrinkerId)
    {
        if (memcg == 0 || shrinkerId < 0)
            return;
        MemCgroupPerNode* mz = MemCgroup.NodeInfo((MemCgroup*)memcg, nid);
        if (shrinkerId >= mz->ShrinkerMapBits)
            ExpandShrinkerMap(mz, shrinkerId);
        mz->ShrinkerMap[shrinkerId >> 6] |= 1UL << (shrinkerId & 63);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExpandShrinkerMap(MemCgroupPerNode* mz, int shrinkerId)
    {
        int bits = Math.Max(64, mz->ShrinkerMapBits);
        while (bits <= shrinkerId)
            bits *= 2;
        ulong* map = _heap.AllocArray<ulong>(bits / 64);
        if (mz->ShrinkerMap != null)
        {
            Buffer.MemoryCopy(mz->ShrinkerMap, map, bits / 8, mz->ShrinkerMapBits / 8);
            _heap.Free(mz->ShrinkerMap);
        }
        mz->ShrinkerMap = map;
        mz->ShrinkerMapBits = bits;
    }

    /// <summary>Whether the group's map has the shrinker's bit on the node (tests).</summary>
    internal static bool MemcgShrinkerBit(nint memcg, int nid, int shrinkerId)
    {
        MemCgroupPerNode* mz = MemCgroup.NodeInfo((MemCgroup*)memcg, nid);
        return shrinkerId < mz->ShrinkerMapBits && (mz->ShrinkerMap[shrinkerId >> 6] & (1UL << (shrinkerId & 63))) != 0;
    }

    /// <summary>
    /// Mirrors <c>shrink_slab_memcg(gfp, nid, memcg, priority)</c> (v5.4): an offline group has nothing; otherwise
    /// do_shrink_slab for each shrinker whose bit is set in the group's map on this node (kmem accounting on: slab
    /// shrinkers included); SHRINK_EMPTY clears the bit and re-checks once, setting it again if objects appeared.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal ulong ShrinkSlabMemcg(uint gfpMask, int nid, nint memcg, int priority)
    {
        if (!MemCgroupOnline(memcg))
            return 0;
        MemCgroupPerNode* mz = MemCgroup.NodeInfo((MemCgroup*)memcg, nid);
        ulong* map = mz->ShrinkerMap;
        int words = mz->ShrinkerMapBits >> 6;
        ulong freed = 0;
        ShrinkControl sc;
        for (int w = 0; w < words; w++)
        {
            ulong bitsWord = map[w];
            while (bitsWord != 0)
            {
                int bit = System.Numerics.BitOperations.TrailingZeroCount(bitsWord);
                bitsWord &= bitsWord - 1;
                int id = (w << 6) + bit;
                Shrinker* shrinker = ShrinkerById(id);
                if (shrinker == null)
                {
                    map[w] &= ~(1UL << bit);        // idr_find found nothing: unregistered
                    continue;
                }
                sc.GfpMask = gfpMask;
                sc.Nid = nid;
                sc.Memcg = memcg;
                sc.NrToScan = 0;
                sc.NrScanned = 0;
                ulong ret = DoShrinkSlab(&sc, shrinker, priority);
                if (ret == Shrinker.ShrinkEmpty)
                {
                    map[w] &= ~(1UL << bit);
                    ret = DoShrinkSlab(&sc, shrinker, priority);
                    if (ret == Shrinker.ShrinkEmpty)
                        ret = 0;
                    else
                        map[w] |= 1UL << bit;
                }
                freed += ret;
            }
        }
        return freed;
    }

    // ---- memcg-aware list_lru of the dentry-like caches (mm/list_lru.c) ----

    /// <summary>
    /// The list a memcg's unused objects of a dentry-like cache sit on (the root's is the cache's own), adjusting its
    /// item count by <paramref name="delta"/>. Per-memcg lists are created on first use (memcg_update_list_lru).
    /// </summary>
    internal ListHead* DentryLikeList(DentryLikeCache* d, nint memcg, int delta)
    {
        if (memcg == 0)
        {
            d->NrUnusedRoot += delta;
            return &d->Lru;
        }
        DentryLikeMemcgList* l = DentryLikeMemcgListOf(d, memcg);
        l->NrItems += delta;
        return &l->Lru;
    }

    internal DentryLikeMemcgList* DentryLikeMemcgListOf(DentryLikeCache* d, nint memcg)
    {
        int id = ((MemCgroup*)memcg)->Id;
        if (id >= d->MemcgListsCapacity || d->MemcgLists[id] == null)
            DentryLikeGrowLists(d, id);
        return d->MemcgLists[id];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DentryLikeGrowLists(DentryLikeCache* d, int id)
    {
        if (id >= d->MemcgListsCapacity)
        {
            int cap = Math.Max(16, d->MemcgListsCapacity);
            while (cap <= id)
                cap *= 2;
            var lists = (DentryLikeMemcgList**)_heap.AllocArray<nint>(cap);
            if (d->MemcgLists != null)
            {
                for (int i = 0; i < d->MemcgListsCapacity; i++)
                    lists[i] = d->MemcgLists[i];
                _heap.Free(d->MemcgLists);
            }
            d->MemcgLists = lists;
            d->MemcgListsCapacity = cap;
        }
        var l = _heap.AllocOne<DentryLikeMemcgList>();
        ListHead.Init(&l->Lru);
        d->MemcgLists[id] = l;
    }

    /// <summary>
    /// <c>memcg_offline_kmem</c> → <c>memcg_drain_all_list_lrus</c>: an offline group's unused objects move to its
    /// parent's lists (the parent's shrinker bit set), and are accounted to the parent from now on.
    /// </summary>
    private void MemcgDrainListLrus(MemCgroup* memcg)
    {
        nint parent = McN(memcg->Parent);
        for (int i = 0; i < _nrDentryLikeCaches; i++)
        {
            DentryLikeCache* d = _dentryLikeCaches[i];
            if (memcg->Id >= d->MemcgListsCapacity || d->MemcgLists[memcg->Id] == null)
                continue;
            DentryLikeMemcgList* l = d->MemcgLists[memcg->Id];
            if (l->NrItems == 0)
                continue;
            for (ListHead* pos = l->Lru.Next; pos != &l->Lru; pos = pos->Next)
                ((DentryLikeObject*)pos)->Memcg = parent;
            ListHead* to = DentryLikeList(d, parent, (int)l->NrItems);
            ListHead.SpliceTail(&l->Lru, to);
            ListHead.Init(&l->Lru);
            l->NrItems = 0;
            if (parent != 0)
            {
                for (int nid = 0; nid < _nrNodes; nid++)
                    MemcgSetShrinkerBit(parent, nid, d->Shrinker->Id);
            }
        }
    }
}
