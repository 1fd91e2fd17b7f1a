using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Slab;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;

namespace ReclaimFast;

// mm/vmscan.c: the shrinker list, register/unregister_shrinker, do_shrink_slab, shrink_slab, drop_slab.
public sealed unsafe partial class Machine
{
    private ListHead* _shrinkerList;                 // shrinker_list, registration order
    private NativePool<Shrinker> _shrinkerPool;
    private int _shrinkerIdNext;
    private ReclaimState* _currentReclaimState;      // current->reclaim_state while reclaim runs shrink_slab
    private Shrinker* _workingsetShadowShrinker;

    /// <summary>Sets up the shrinker list and registers the workingset shadow-node shrinker (boot).</summary>
    private void ShrinkerInit()
    {
        _shrinkerList = _heap.AllocOne<ListHead>();
        ListHead.Init(_shrinkerList);
        _shrinkerPool = new NativePool<Shrinker>(_heap, 64);
        // workingset_init: seeks 0 (shadow nodes are cheap to lose), batch 0, NUMA + MEMCG aware.
        _workingsetShadowShrinker = AllocShrinker(ShrinkerKind.ShadowNodes, null, seeks: 0, batch: 0,
            Shrinker.NumaAware | Shrinker.MemcgAware);
        RegisterShrinker(_workingsetShadowShrinker);
    }

    /// <summary>The registered workingset shadow-node shrinker.</summary>
    internal Shrinker* WorkingsetShadowShrinker => _workingsetShadowShrinker;

    /// <summary>A zeroed <see cref="Shrinker"/> from the machine's pool (the kernel's are static or embedded).</summary>
    internal Shrinker* AllocShrinker(ShrinkerKind kind, void* owner, int seeks, long batch, uint flags)
    {
        Shrinker* s = _shrinkerPool.Alloc();
        s->Kind = kind;
        s->Private = owner;
        s->Seeks = seeks;
        s->Batch = batch;
        s->Flags = flags;
        return s;
    }

    /// <summary>
    /// <c>register_shrinker</c> = <c>prealloc_shrinker</c> (nr_deferred: one per node if NUMA_AWARE, else one) +
    /// <c>register_shrinker_prepared</c> (<c>list_add_tail</c> on shrinker_list).
    /// </summary>
    internal void RegisterShrinker(Shrinker* shrinker)
    {
        int size = (shrinker->Flags & Shrinker.NumaAware) != 0 ? _nrNodes : 1;
        shrinker->NrDeferred = _heap.AllocArray<long>(size);
        shrinker->Id = _shrinkerIdNext++;
        if ((shrinker->Flags & Shrinker.MemcgAware) != 0)
            ShrinkerIdrSet(shrinker->Id, shrinker);      // prealloc_memcg_shrinker: shrinker_idr
        ListHead.AddTail(&shrinker->List, _shrinkerList);
    }

    /// <summary><c>unregister_shrinker</c>: off the list, nr_deferred freed (a second call is a no-op).</summary>
    internal void UnregisterShrinker(Shrinker* shrinker)
    {
        if (shrinker->NrDeferred == null)
            return;
        ListHead.Del(&shrinker->List);
        if ((shrinker->Flags & Shrinker.MemcgAware) != 0)
            ShrinkerIdrSet(shrinker->Id, null);
        _heap.Free(shrinker->NrDeferred);
        shrinker->NrDeferred = null;
    }

    /// <summary>The shrinker's <c>count_objects</c>, chosen by its kind.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong ShrinkerCountObjects(Shrinker* shrinker, ShrinkControl* sc)
    {
        switch (shrinker->Kind)
        {
            case ShrinkerKind.Constructed:
                var c = (ConstructedShrinker*)shrinker->Private;
                c->CountCalls++;
                return c->Freeable;
            case ShrinkerKind.ShadowNodes:
                return CountShadowNodes(sc->Nid);
            case ShrinkerKind.DentryLike:
                return DentryLikeCount((DentryLikeCache*)shrinker->Private, sc->Memcg);
            default:
                return 0;
        }
    }

    /// <summary>The shrinker's <c>scan_objects</c>, chosen by its kind.</summary>
    private ulong ShrinkerScanObjects(Shrinker* shrinker, ShrinkControl* sc)
    {
        switch (shrinker->Kind)
        {
            case ShrinkerKind.Constructed:
                var c = (ConstructedShrinker*)shrinker->Private;
                c->ScanCalls++;
                if (c->StopAfterCalls >= 0 && c->ScanCalls > c->StopAfterCalls)
                    return Shrinker.ShrinkStop;
                c->Scanned += sc->NrToScan;
                ulong n = sc->NrToScan < c->Freeable ? sc->NrToScan : c->Freeable;
                if (c->Consume)
                    c->Freeable -= n;
                return n;
            case ShrinkerKind.ShadowNodes:
                // scan_shadow_nodes: the shadow-node list is node 0's (see CountShadowNodes).
                return sc->Nid == 0 ? ScanShadowNodes(sc->NrToScan) : 0;
            case ShrinkerKind.DentryLike:
                return DentryLikeScan((DentryLikeCache*)shrinker->Private, sc->NrToScan, sc->Memcg);
            default:
                return 0;
        }
    }

    /// <summary>
    /// Mirrors <c>do_shrink_slab</c> (mm/vmscan.c, v5.4.286): scan a share of the shrinker's objects that grows as
    /// priority falls (<c>(freeable &gt;&gt; priority) * 4 / seeks</c>, or freeable / 2 for seeks 0), plus the
    /// work deferred by earlier calls, in batches; defer what is left.
    /// </summary>
    internal ulong DoShrinkSlab(ShrinkControl* shrinkctl, Shrinker* shrinker, int priority)
    {
        ulong freed = 0;
        int nid = shrinkctl->Nid;
        long batchSize = shrinker->Batch != 0 ? shrinker->Batch : Shrinker.ShrinkBatch;
        long scanned = 0, nextDeferred;

        if ((shrinker->Flags & Shrinker.NumaAware) == 0)
            nid = 0;

        long freeable = (long)ShrinkerCountObjects(shrinker, shrinkctl);
        if (freeable == 0 || freeable == unchecked((long)Shrinker.ShrinkEmpty))
            return (ulong)freeable;

        // Take the deferred work (atomic_long_xchg) so concurrent callers do not both do it.
        long nr = shrinker->NrDeferred[nid];
        shrinker->NrDeferred[nid] = 0;

        long totalScan = nr;
        ulong delta;
        if (shrinker->Seeks != 0)
        {
            delta = (ulong)freeable >> priority;
            delta *= 4;
            delta /= (ulong)shrinker->Seeks;
        }
        else
        {
            // Objects that are cheap to recreate (no seek): scan half each time.
            delta = (ulong)(freeable / 2);
        }

        totalScan += (long)delta;
        if (totalScan < 0)
        {
            totalScan = freeable;
            nextDeferred = nr;
        }
        else
        {
            nextDeferred = totalScan;
        }

        // Little new pressure: do not let deferred work empty the cache at once.
        if (delta < (ulong)(freeable / 4))
            totalScan = totalScan < freeable / 2 ? totalScan : freeable / 2;
        if (totalScan > freeable * 2)
            totalScan = freeable * 2;

        ReclaimFastEventSource log = ReclaimFastEventSource.Log;
        if (log.IsEnabled())
            log.mm_shrink_slab_start(shrinker->Id, nid, nr, shrinkctl->GfpMask, (ulong)freeable, delta, (ulong)totalScan, priority);

        // v5.4.286: also scan when the whole cache is smaller than one batch.
        while (totalScan >= batchSize || totalScan >= freeable)
        {
            long nrToScan = batchSize < totalScan ? batchSize : totalScan;
            shrinkctl->NrToScan = (ulong)nrToScan;
            shrinkctl->NrScanned = (ulong)nrToScan;
            ulong ret = ShrinkerScanObjects(shrinker, shrinkctl);
            if (ret == Shrinker.ShrinkStop)
                break;
            freed += ret;
            CountVmEvent(VmEventItem.SlabsScanned, (long)shrinkctl->NrScanned);
            totalScan -= (long)shrinkctl->NrScanned;
            scanned += (long)shrinkctl->NrScanned;
        }

        if (nextDeferred >= scanned)
            nextDeferred -= scanned;
        else
            nextDeferred = 0;
        long newNr;
        if (nextDeferred > 0)
            newNr = shrinker->NrDeferred[nid] += nextDeferred;
        else
            newNr = shrinker->NrDeferred[nid];

        if (log.IsEnabled())
            log.mm_shrink_slab_end(shrinker->Id, nid, nr, newNr, (int)freed, totalScan);
        return freed;
    }

    /// <summary>
    /// Mirrors <c>shrink_slab(gfp_mask, nid, memcg, priority)</c> (mm/vmscan.c): for the root (global) walk, every
    /// registered shrinker in list order; SHRINK_EMPTY counts as 0. Returns the objects freed.
    /// </summary>
    internal ulong ShrinkSlab(uint gfpMask, int nid, nint memcg, int priority)
    {
        if (memcg != 0)
            return ShrinkSlabMemcg(gfpMask, nid, memcg, priority);

        // down_read_trylock(&shrinker_rwsem) and rwsem_is_contended: one emulated CPU runs at a time, so the
        // lock is never contended and the walk never stops early.
        ulong freed = 0;
        ShrinkControl sc;
        ListHead* head = _shrinkerList;
        for (ListHead* pos = head->Next; pos != head; pos = pos->Next)
        {
            var shrinker = (Shrinker*)pos;     // list is the first field: container_of is the identity
            sc.GfpMask = gfpMask;
            sc.Nid = nid;
            sc.Memcg = memcg;
            sc.NrToScan = 0;
            sc.NrScanned = 0;
            ulong ret = DoShrinkSlab(&sc, shrinker, priority);
            if (ret == Shrinker.ShrinkEmpty)
                ret = 0;
            freed += ret;
        }
        return freed;
    }

    // shrink_slab_memcg: Mm/Memcontrol/Machine.ShrinkerMap.cs.

    /// <summary>
    /// shrink_node's call of shrink_slab with <c>current->reclaim_state</c> set to the reclaim's state, so that slab
    /// pages freed by the shrinkers are counted in <c>reclaimed_slab</c>.
    /// </summary>
    internal ulong ShrinkSlabForReclaim(ScanControl* sc, int nid, nint memcg)
    {
        ReclaimState* saved = _currentReclaimState;
        _currentReclaimState = sc->ReclaimState;
        ulong freed = ShrinkSlab(sc->GfpMask, nid, memcg, sc->Priority);
        _currentReclaimState = saved;
        return freed;
    }

    /// <summary>Mirrors <c>drop_slab_node(nid)</c>: shrink every memcg's slab at priority 0 until a pass frees ≤ 10 objects.</summary>
    internal void DropSlabNode(int nid)
    {
        ulong freed;
        do
        {
            freed = 0;
            nint memcg = 0;
            bool started = false;
            while (MemCgroupIterNext(0, ref memcg, ref started))
                freed += ShrinkSlab(Gfp.Kernel, nid, memcg, 0);
        }
        while (freed > 10);
    }

    /// <summary>Mirrors <c>drop_slab</c>: <see cref="DropSlabNode"/> on every online node.</summary>
    internal void DropSlab()
    {
        for (int nid = 0; nid < _nrNodes; nid++)
            DropSlabNode(nid);
    }

    /// <summary>
    /// Writing <c>vm.drop_caches</c> (fs/drop_caches.c): bit 2 drops slab objects (<c>drop_slab</c>, DROP_SLAB).
    /// Bit 1 (page cache, DROP_PAGECACHE) is not emulated here and is rejected.
    /// </summary>
    public void DropCaches(int value)
    {
        if (value < 1 || value > 4 || (value & 1) != 0)
            throw new System.ArgumentOutOfRangeException(nameof(value), value, "only 2 (slab) is emulated; 1 and 3 drop the page cache, which is not");
        if ((value & 2) != 0)
        {
            DropSlab();
            CountVmEvent(VmEventItem.DropSlab);
        }
    }

    /// <summary>
    /// count_objects of every registered shrinker, nothing else: the lower bound of a shrink_slab walk (the
    /// benchmark baseline).
    /// </summary>
    internal ulong CountAllShrinkers(int nid)
    {
        ulong sum = 0;
        ShrinkControl sc = default;
        sc.GfpMask = Gfp.Kernel;
        sc.Nid = nid;
        ListHead* head = _shrinkerList;
        for (ListHead* pos = head->Next; pos != head; pos = pos->Next)
            sum += ShrinkerCountObjects((Shrinker*)pos, &sc);
        return sum;
    }

    /// <summary>Registered shrinkers (walks the list).</summary>
    public int RegisteredShrinkers => (int)ListHead.Count(_shrinkerList);
}
