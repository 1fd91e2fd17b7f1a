using System;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/memcontrol.c (v5.4, cgroup v2): the memcg hierarchy, mem_cgroup_iter, per-memcg lruvecs, the charge path with
// the per-cpu stock, uncharge, swap accounting, memory.events and the memcg OOM hook. Memcg 0 (a null pointer in
// page->mem_cgroup, lruvec->memcg and scan_control.target_mem_cgroup) is the root memcg, whose lruvec is the node
// lruvec (pgdat->lruvec); the root's MemCgroup struct exists only to hold the hierarchy and the root page counter.
// Until the first MemCgroupCreate no memcg state exists and every path behaves as with memcg disabled.
public sealed unsafe partial class Machine
{
    private NativePool<MemCgroup> _memcgPool;
    private MemCgroup* _rootMemCgroup;
    private MemcgStockPcp* _memcgStock;         // one per emulated CPU
    private nint[]? _memcgIdr;                  // css id → MemCgroup* (mem_cgroup_idr)
    private ushort*[]? _swapCgroup;             // per swap type: slot → memcg id (swap_cgroup)
    private long _memcgNrPagesOverHighNoTask;   // memcg_nr_pages_over_high charged without a current task
    private int _memcgPendingFree;              // offline groups whose last charge went: freed at a safe point

    /// <summary>Whether any memory cgroup was ever created (the hierarchy exists).</summary>
    internal bool MemcgEnabled
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _rootMemCgroup != null;
    }

    /// <summary>The root memcg struct (null until the first cgroup is created).</summary>
    internal MemCgroup* RootMemCgroup => _rootMemCgroup;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void MemcontrolInit()
    {
        _memcgPool = new NativePool<MemCgroup>(_heap, 16);
        _rootMemCgroup = _memcgPool.Alloc();
        MemCgroup* root = _rootMemCgroup;
        PageCounter.Init(&root->Memory, null);
        PageCounter.Init(&root->Swap, null);
        root->High = PageCounter.PageCounterMax;
        root->SoftLimit = PageCounter.PageCounterMax;
        root->Swappiness = _vmSwappiness;
        root->Online = true;
        ListHead.Init(&root->Sibling);
        ListHead.Init(&root->Children);
        _memcgStock = _heap.AllocArray<MemcgStockPcp>(_nrCpus);
        _memcgIdr = new nint[64];
        _softLimitTree = _heap.AllocArray<ListHead>(_nrNodes);
        for (int n = 0; n < _nrNodes; n++)
            ListHead.Init(_softLimitTree + n);
    }

    // ---- memcg <-> nint (0 = root) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private MemCgroup* Mc(nint memcg) => memcg == 0 ? _rootMemCgroup : (MemCgroup*)memcg;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private nint McN(MemCgroup* memcg) => memcg == _rootMemCgroup ? 0 : (nint)memcg;

    /// <summary><c>mem_cgroup_is_root</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool MemCgroupIsRoot(MemCgroup* memcg) => memcg == _rootMemCgroup;

    /// <summary><c>parent_mem_cgroup</c>: null for the root.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static MemCgroup* ParentMemCgroup(MemCgroup* memcg) => memcg->Parent;

    /// <summary><c>set_memcg_congestion(pgdat, memcg, congested)</c> (vmscan.c): the group's per-node flag; none for the root.</summary>
    internal static void SetMemcgCongestion(PglistData* pgdat, nint memcg, bool congested)
    {
        if (memcg != 0)
            MemCgroup.NodeInfo((MemCgroup*)memcg, pgdat->NodeId)->Congested = congested;
    }

    /// <summary><c>pgdat_memcg_congested(pgdat, memcg)</c>: the node is congested, or the reclaim target group is on it.</summary>
    internal static bool PgdatMemcgCongested(PglistData* pgdat, nint memcg) =>
        (pgdat->Flags & (1UL << Mm.Vmscan.Vmscan.PgdatCongested)) != 0
        || (memcg != 0 && MemCgroup.NodeInfo((MemCgroup*)memcg, pgdat->NodeId)->Congested);

    /// <summary><c>mem_cgroup_is_descendant(memcg, root)</c>: memcg is root or below it.</summary>
    internal static bool MemCgroupIsDescendant(MemCgroup* memcg, MemCgroup* root)
    {
        for (; memcg != null; memcg = memcg->Parent)
        {
            if (memcg == root)
                return true;
        }
        return false;
    }

    /// <summary><c>mem_cgroup_from_id(id)</c>: null when the id is unused (the group is gone).</summary>
    internal MemCgroup* MemCgroupFromId(int id)
    {
        if (id == 0)
            return _rootMemCgroup;
        nint[]? idr = _memcgIdr;
        if (idr == null || (uint)id >= (uint)idr.Length)
            return null;
        return (MemCgroup*)idr[id];
    }

    /// <summary><c>mem_cgroup_id(memcg)</c>: 0 for the root (and with no hierarchy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int MemCgroupId(nint memcg) => memcg == 0 ? 0 : ((MemCgroup*)memcg)->Id;

    // ---- mem_cgroup_iter ----

    private static readonly nint s_siblingOffset = SiblingOffset();

    private static nint SiblingOffset()
    {
        MemCgroup probe;
        return (nint)((byte*)&probe.Sibling - (byte*)&probe);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static MemCgroup* FromSibling(ListHead* l) => (MemCgroup*)((byte*)l - s_siblingOffset);

    /// <summary><c>css_next_descendant_pre(pos, root)</c>: the next group of a pre-order walk of root's subtree.</summary>
    internal static MemCgroup* CssNextDescendantPre(MemCgroup* pos, MemCgroup* root)
    {
        if (!ListHead.Empty(&pos->Children))
            return FromSibling(pos->Children.Next);
        while (pos != root)
        {
            MemCgroup* parent = pos->Parent;
            if (pos->Sibling.Next != &parent->Children)
                return FromSibling(pos->Sibling.Next);
            pos = parent;
        }
        return null;
    }

    /// <summary>
    /// <c>mem_cgroup_iter(root, prev, NULL)</c>: pre-order walk of <paramref name="root"/>'s subtree, root first,
    /// offline groups included (css_tryget, not tryget_online). Simplified: no shared reclaim cookie — every walk is a
    /// full walk from the root (v5.4's per-node/priority iterator position only matters for concurrent reclaimers
    /// with a cookie: kswapd/direct reclaim pass none in shrink_node, so this is what they do too).
    /// </summary>
    internal bool MemCgroupIterNext(nint root, ref nint memcg, ref bool started)
    {
        if (!started)
        {
            started = true;
            memcg = root;
            return true;
        }
        if (_rootMemCgroup == null)
            return false;
        MemCgroup* next = CssNextDescendantPre(Mc(memcg), Mc(root));
        if (next == null)
            return false;
        memcg = McN(next);
        return true;
    }

    // ---- lruvecs ----

    /// <summary><c>mem_cgroup_lruvec(pgdat, memcg)</c>: the memcg's per-node lruvec; the node lruvec for the root.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Lruvec* MemCgroupLruvec(PglistData* pgdat, nint memcg) =>
        memcg == 0 ? &pgdat->Lruvec : &((MemCgroup*)memcg)->Nodeinfo[pgdat->NodeId].Lruvec;

    /// <summary><c>mem_cgroup_page_lruvec(page, pgdat)</c>: by <c>page->mem_cgroup</c> (uncharged pages: the root's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Lruvec* MemCgroupPageLruvec(Page* page, PglistData* pgdat) => MemCgroupLruvec(pgdat, (nint)page->MemCgroup);

    // ---- memory.events ----

    /// <summary>
    /// <c>memcg_memory_event(memcg, event)</c>: memory_events_local on the group; memory_events on it and every
    /// ancestor below the root (cgroup v2 without memory_localevents).
    /// </summary>
    internal void MemcgMemoryEvent(MemCgroup* memcg, MemcgEventItem ev)
    {
        if (memcg == null || MemCgroupIsRoot(memcg))
            return;
        memcg->MemoryEventsLocal[(int)ev]++;
        do
        {
            memcg->MemoryEvents[(int)ev]++;
            memcg = memcg->Parent;
        }
        while (memcg != null && !MemCgroupIsRoot(memcg));
    }

    /// <summary><c>memcg_memory_event(memcg, MEMCG_LOW)</c> for shrink_node (nint memcg).</summary>
    internal void MemcgMemoryEventLow(nint memcg)
    {
        if (memcg != 0)
            MemcgMemoryEvent((MemCgroup*)memcg, MemcgEventItem.Low);
    }

    /// <summary><c>__count_memcg_events(memcg, idx, count)</c> for the memory.stat event lines.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CountMemcgEvents(nint memcg, MemcgVmEvent idx, long count)
    {
        if (memcg != 0)
            ((MemCgroup*)memcg)->EventsVmLocal[(int)idx] += count;
    }

    /// <summary><c>count_memcg_event_mm(mm, idx)</c>: one event on the mm owner's group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CountMemcgEventMm(MmStruct* mm, MemcgVmEvent idx)
    {
        if (_rootMemCgroup != null && mm != null && mm->Owner != null)
            CountMemcgEvents(mm->Owner->MemCgroup, idx, 1);
    }

    /// <summary><c>get_mem_cgroup_from_mm(mm)</c>: the mm owner's memcg (the current task's without an mm; else root).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private MemCgroup* GetMemCgroupFromMm(MmStruct* mm)
    {
        TaskStruct* owner = mm != null ? mm->Owner : _currentTaskStruct;
        nint memcg = owner != null ? owner->MemCgroup : 0;
        // A workload task without a process (page-cache fillers) charges to the group it was attached to.
        if (owner == null && _runningTask != null && _memcgPendingAttach != null)
            _memcgPendingAttach.TryGetValue(_runningTask, out memcg);
        return memcg == 0 ? _rootMemCgroup : (MemCgroup*)memcg;
    }

    // ---- per-cpu charge stock ----

    /// <summary><c>consume_stock(memcg, nr_pages)</c>: take pre-charged pages from this CPU's stock.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ConsumeStock(MemCgroup* memcg, long nrPages)
    {
        if (nrPages > Memcontrol.MemcgChargeBatch)
            return false;
        MemcgStockPcp* stock = _memcgStock + _currentCpu;
        if (memcg == stock->Cached && stock->NrPages >= nrPages)
        {
            stock->NrPages -= nrPages;
            return true;
        }
        return false;
    }

    /// <summary><c>drain_stock(stock)</c>: return the cached pages to the page counter.</summary>
    private void DrainStock(MemcgStockPcp* stock)
    {
        MemCgroup* old = stock->Cached;
        if (stock->NrPages != 0)
        {
            PageCounter.Uncharge(&old->Memory, stock->NrPages);
            stock->NrPages = 0;
            MemcgMaybeFree(old);
        }
        stock->Cached = null;
    }

    /// <summary><c>refill_stock(memcg, nr_pages)</c>: keep charged pages for the next charges; drain beyond the batch.</summary>
    private void RefillStock(MemCgroup* memcg, long nrPages)
    {
        MemcgStockPcp* stock = _memcgStock + _currentCpu;
        if (stock->Cached != memcg)
        {
            DrainStock(stock);
            stock->Cached = memcg;
        }
        stock->NrPages += nrPages;
        if (stock->NrPages > Memcontrol.MemcgChargeBatch)
            DrainStock(stock);
    }

    /// <summary>
    /// <c>drain_all_stock(root_memcg)</c>: drain every CPU's stock that caches a group of the subtree (the kernel
    /// schedules the remote drains as work; here they run at once).
    /// </summary>
    internal void DrainAllStock(MemCgroup* root)
    {
        if (_memcgStock == null)
            return;
        for (int cpu = 0; cpu < _nrCpus; cpu++)
        {
            MemcgStockPcp* stock = _memcgStock + cpu;
            MemCgroup* memcg = stock->Cached;
            if (memcg != null && stock->NrPages != 0 && MemCgroupIsDescendant(memcg, root))
                DrainStock(stock);
        }
    }

    /// <summary>Pages held in per-cpu stocks for <paramref name="memcg"/> (charged to it, backing no page).</summary>
    internal long MemcgStockPages(MemCgroup* memcg)
    {
        long n = 0;
        for (int cpu = 0; cpu < _nrCpus; cpu++)
        {
            if (_memcgStock[cpu].Cached == memcg)
                n += _memcgStock[cpu].NrPages;
        }
        return n;
    }

    // ---- charge ----

    /// <summary><c>mem_cgroup_margin(memcg)</c>: pages that can be charged before hitting max.</summary>
    internal static long MemCgroupMargin(MemCgroup* memcg)
    {
        long count = memcg->Memory.Usage;
        long limit = memcg->Memory.Max;
        return count < limit ? limit - count : 0;
    }

    private static MemCgroup* MemCgroupFromMemoryCounter(PageCounter* counter) => (MemCgroup*)counter;   // memory is at offset 0

    /// <summary>
    /// <c>try_charge(memcg, gfp_mask, nr_pages)</c> (5.4.286): per-cpu stock, then page_counter_try_charge of a
    /// MEMCG_CHARGE_BATCH; on failure MEMCG_MAX on the limiting group, try_to_free_mem_cgroup_pages, retry while the
    /// margin allows or reclaim made progress on a small charge, drain the stocks once, up to
    /// MEM_CGROUP_RECLAIM_RETRIES, then the memcg OOM killer. Over memory.high, the overage is queued for
    /// reclaim_high on return to user mode. Returns 0 or −ENOMEM (−12).
    /// </summary>
    internal int TryCharge(MemCgroup* memcg, uint gfpMask, long nrPages)
    {
        if (MemCgroupIsRoot(memcg))
            return 0;
        long batch = Math.Max(Memcontrol.MemcgChargeBatch, nrPages);
        int nrRetries = Memcontrol.MemCgroupReclaimRetries;
        bool drained = false;
    Retry:
        if (ConsumeStock(memcg, nrPages))
            return 0;
        if (PageCounter.TryCharge(&memcg->Memory, batch, out PageCounter* counter))
        {
            if (batch > nrPages)
                RefillStock(memcg, batch - nrPages);
            MemcgCheckOverHigh(memcg, batch);
            return 0;
        }
        if (batch > nrPages)
        {
            batch = nrPages;
            goto Retry;
        }
        return TryChargeSlow(memcg, MemCgroupFromMemoryCounter(counter), gfpMask, nrPages, ref nrRetries, ref drained);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int TryChargeSlow(MemCgroup* memcg, MemCgroup* memOverLimit, uint gfpMask, long nrPages, ref int nrRetries, ref bool drained)
    {
        while (true)
        {
            // tsk_is_oom_victim(current) || fatal_signal_pending || PF_EXITING → force (the victim must exit).
            if (_currentIsOomVictim || (gfpMask & Gfp.__Atomic) != 0)
                goto Force;
            // PF_MEMALLOC: reclaim's own allocations may overshoot rather than recurse.
            if ((_currentTaskFlags & TaskFlags.Memalloc) != 0)
                goto Force;
            if ((gfpMask & Gfp.DirectReclaim) == 0)
                goto Nomem;
            MemcgMemoryEvent(memOverLimit, MemcgEventItem.Max);
            ulong nrReclaimed = TryToFreeMemCgroupPages(McN(memOverLimit), (ulong)nrPages, gfpMask, true);
            // Departure: the emulated disk takes jiffies where the kernel's retry loop takes microseconds, so a pass
            // that only started writeback waits for it (one I/O latency) before the margin is checked again.
            if (nrReclaimed == 0 && _pendingIoCount != 0)
                SimulatedSleep(Math.Max(1, _ioLatencyJiffies));
            if (MemCgroupMargin(memOverLimit) >= nrPages)
                goto Retry;
            if (!drained)
            {
                DrainAllStock(memOverLimit);
                drained = true;
                goto Retry;
            }
            if ((gfpMask & Gfp.NoRetry) != 0)
                goto Nomem;
            if (nrReclaimed != 0 && nrPages <= 1 << MmZone.PageAllocCostlyOrder)
                goto Retry;
            // mem_cgroup_wait_acct_move: no v1 charge moving.
            if (nrRetries-- != 0)
                goto Retry;
            if ((gfpMask & Gfp.RetryMayfail) != 0)
                goto Nomem;
            if ((gfpMask & Gfp.NoFail) != 0)
                goto Force;
            switch (MemCgroupOom(memOverLimit, gfpMask, 0))
            {
                case OomStatus.Success:
                    nrRetries = Memcontrol.MemCgroupReclaimRetries;
                    goto Retry;
                case OomStatus.Failed:
                    goto Force;
                default:
                    goto Nomem;
            }
        Retry:
            if (ConsumeStock(memcg, nrPages))
                return 0;
            if (PageCounter.TryCharge(&memcg->Memory, nrPages, out PageCounter* counter))
            {
                MemcgCheckOverHigh(memcg, nrPages);
                return 0;
            }
            memOverLimit = MemCgroupFromMemoryCounter(counter);
        }
    Nomem:
        if ((gfpMask & Gfp.NoFail) == 0)
            return -12;
    Force:
        PageCounter.Charge(&memcg->Memory, nrPages);
        return 0;
    }

    /// <summary>try_charge's done_restock tail: the first group of memcg and its ancestors over memory.high queues the batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MemcgCheckOverHigh(MemCgroup* memcg, long batch)
    {
        do
        {
            if (memcg->Memory.Usage > memcg->High)
            {
                if (_currentTaskStruct != null)
                    _currentTaskStruct->MemcgNrPagesOverHigh += (uint)batch;
                else
                    _memcgNrPagesOverHighNoTask += batch;
                return;
            }
            memcg = memcg->Parent;
        }
        while (memcg != null);
    }

    /// <summary>
    /// <c>mem_cgroup_try_charge(page, mm, gfp, &amp;memcg, compound)</c>: a swap-cache page already charged stays so; an
    /// uncharged one goes to the group recorded for its swap slot if still online, else to the mm owner's group.
    /// Returns 0 (with the group to commit, 0 for the root) or −ENOMEM.
    /// </summary>
    internal int MemCgroupTryCharge(Page* page, MmStruct* mm, uint gfpMask, out nint memcgp)
    {
        memcgp = 0;
        if (_rootMemCgroup == null)
            return 0;
        MemCgroup* memcg = null;
        if (PageSwapCache(page))
        {
            if (page->MemCgroup != 0)
                return 0;
            MemCgroup* m = MemCgroupFromId(LookupSwapCgroupId(new SwpEntry(page->Private)));
            if (m != null && m->Online)
                memcg = m;
        }
        if (memcg == null)
            memcg = GetMemCgroupFromMm(mm);
        if (MemCgroupIsRoot(memcg))
            return 0;
        int ret = TryCharge(memcg, gfpMask, CompoundNr(page));
        if (ret == 0)
            memcgp = (nint)memcg;
        return ret;
    }

    /// <summary>try_charge's <c>force:</c> label for the current context's group: page_counter_charge ignoring max.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal nint MemCgroupForceCharge(Page* page)
    {
        MemCgroup* memcg = GetMemCgroupFromMm(null);
        if (MemCgroupIsRoot(memcg))
            return 0;
        PageCounter.Charge(&memcg->Memory, CompoundNr(page));
        return (nint)memcg;
    }

    /// <summary>
    /// <c>mem_cgroup_commit_charge(page, memcg, lrucare, compound)</c>: set page->mem_cgroup (moving the page between
    /// lruvecs when it is already on an LRU and <paramref name="lrucare"/>), charge statistics, memcg_check_events.
    /// </summary>
    internal void MemCgroupCommitCharge(Page* page, nint memcgN, bool lrucare)
    {
        if (memcgN == 0)
            return;
        MemCgroup* memcg = (MemCgroup*)memcgN;
        long nr = CompoundNr(page);
        if (lrucare && PageLRU(page))
        {
            PglistData* pgdat = PagePgdat(page);
            LruList lru = Lru.PageLru(page);
            DelPageFromLruList(page, MemCgroupPageLruvec(page, pgdat), lru);
            page->MemCgroup = (ulong)memcgN;
            AddPageToLruList(page, MemCgroupLruvec(pgdat, memcgN), lru);
        }
        else
        {
            page->MemCgroup = (ulong)memcgN;
        }
        MemCgroupChargeStatistics(memcg, page, nr);
        MemcgCheckEvents(memcg, page);
    }

    /// <summary><c>mem_cgroup_cancel_charge(page, memcg, compound)</c> → <c>cancel_charge</c>: undo a try_charge.</summary>
    internal void MemCgroupCancelCharge(Page* page, nint memcgN)
    {
        if (memcgN == 0)
            return;
        PageCounter.Uncharge(&((MemCgroup*)memcgN)->Memory, CompoundNr(page));
    }

    /// <summary><c>mem_cgroup_charge_statistics(memcg, page, compound, nr_pages)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MemCgroupChargeStatistics(MemCgroup* memcg, Page* page, long nr)
    {
        if (PageAnon(page))
        {
            memcg->StatLocal[(int)MemcgStatItem.Rss] += nr;
        }
        else
        {
            memcg->StatLocal[(int)MemcgStatItem.Cache] += nr;
            if (PageSwapBacked(page))
                memcg->StatLocal[(int)MemcgStatItem.Shmem] += nr;
        }
        if (nr > 0)
            memcg->EventsVmLocal[(int)MemcgVmEvent.Pgpgin]++;
        else
            memcg->EventsVmLocal[(int)MemcgVmEvent.Pgpgout] += -nr;
        memcg->NrPageEvents += nr > 0 ? nr : -nr;
    }

    /// <summary>
    /// <c>mem_cgroup_uncharge(page)</c> → <c>uncharge_page</c> + <c>uncharge_batch</c>: give the page's charge back
    /// (memory counter, RSS/CACHE/SHMEM, PGPGOUT, event ratelimit) and clear page->mem_cgroup.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void MemCgroupUncharge(Page* page)
    {
        if (page->MemCgroup != 0)
            MemCgroupUnchargeSlow(page);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void MemCgroupUnchargeSlow(Page* page)
    {
        MemCgroup* memcg = (MemCgroup*)page->MemCgroup;
        long nr = CompoundNr(page);
        PageCounter.Uncharge(&memcg->Memory, nr);
        if (PageAnon(page))
        {
            memcg->StatLocal[(int)MemcgStatItem.Rss] -= nr;
        }
        else
        {
            memcg->StatLocal[(int)MemcgStatItem.Cache] -= nr;
            if (PageSwapBacked(page))
                memcg->StatLocal[(int)MemcgStatItem.Shmem] -= nr;
        }
        memcg->EventsVmLocal[(int)MemcgVmEvent.Pgpgout] += nr;
        memcg->NrPageEvents += nr;
        MemcgCheckEvents(memcg, page);
        page->MemCgroup = 0;
        MemcgMaybeFree(memcg);
    }

    /// <summary><c>mem_cgroup_uncharge_list(page_list)</c>: every page of a free list (linked through lru).</summary>
    internal void MemCgroupUnchargeList(ListHead* pageList)
    {
        if (_rootMemCgroup == null)
            return;
        for (ListHead* pos = pageList->Next; pos != pageList; pos = pos->Next)
            MemCgroupUncharge(Page.FromLru(pos));
    }

    // mem_cgroup_migrate(oldpage, newpage): the migration code moves page->mem_cgroup to the new page (Mm/Compaction).

    /// <summary>
    /// <c>memcg_check_events(memcg, page)</c>: every THRESHOLDS_EVENTS_TARGET page events check the soft-limit
    /// target; every SOFTLIMIT_EVENTS_TARGET update the soft-limit tree. Simplified: one event counter per group,
    /// where the kernel keeps them per cpu.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MemcgCheckEvents(MemCgroup* memcg, Page* page)
    {
        if (memcg->TargetThresh - memcg->NrPageEvents < 0)
            MemcgCheckEventsSlow(memcg, page);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void MemcgCheckEventsSlow(MemCgroup* memcg, Page* page)
    {
        memcg->TargetThresh = memcg->NrPageEvents + Memcontrol.ThresholdsEventsTarget;
        if (memcg->TargetSoftlimit - memcg->NrPageEvents < 0)
        {
            memcg->TargetSoftlimit = memcg->NrPageEvents + Memcontrol.SoftlimitEventsTarget;
            MemCgroupUpdateTree(memcg, PageToNid(page));
        }
    }

    // ---- swap accounting (cgroup v2) ----

    private ushort* SwapCgroupMap(int type)
    {
        SwapInfoStruct* si = SwapInfo(type);
        if (si == null)
            return null;
        _swapCgroup ??= new ushort*[32];
        if (_swapCgroup[type] == null)
            _swapCgroup[type] = _heap.AllocArray<ushort>((long)si->Max);
        return _swapCgroup[type];
    }

    /// <summary><c>lookup_swap_cgroup_id(ent)</c>.</summary>
    internal int LookupSwapCgroupId(SwpEntry entry)
    {
        if (_swapCgroup == null)
            return 0;
        ushort* map = SwapCgroupMap(entry.Type);
        return map == null ? 0 : map[entry.Offset];
    }

    /// <summary>
    /// <c>mem_cgroup_try_charge_swap(page, entry)</c> (v2): charge the page's group's swap counter (and ancestors)
    /// for the slot and record its id; over swap.max → MEMCG_SWAP_MAX + MEMCG_SWAP_FAIL and −ENOMEM.
    /// </summary>
    internal int MemCgroupTryChargeSwap(Page* page, SwpEntry entry)
    {
        if (page->MemCgroup == 0)
            return 0;
        MemCgroup* memcg = (MemCgroup*)page->MemCgroup;
        if (entry.Val == 0)
        {
            MemcgMemoryEvent(memcg, MemcgEventItem.SwapFail);
            return 0;
        }
        // mem_cgroup_id_get_online: an offline group's swap goes to its nearest online ancestor.
        while (!memcg->Online && !MemCgroupIsRoot(memcg))
            memcg = memcg->Parent;
        if (MemCgroupIsRoot(memcg))
            return 0;
        long nr = CompoundNr(page);
        if (!PageCounter.TryCharge(&memcg->Swap, nr, out _))
        {
            MemcgMemoryEvent(memcg, MemcgEventItem.SwapMax);
            MemcgMemoryEvent(memcg, MemcgEventItem.SwapFail);
            return -12;
        }
        ushort* map = SwapCgroupMap(entry.Type);
        for (long i = 0; i < nr; i++)
            map[entry.Offset + (ulong)i] = (ushort)memcg->Id;
        memcg->StatLocal[(int)MemcgStatItem.Swap] += nr;
        return 0;
    }

    /// <summary><c>mem_cgroup_uncharge_swap(entry, nr_pages)</c>: the slot is freed; give the swap charge back.</summary>
    internal void MemCgroupUnchargeSwap(SwpEntry entry, long nrPages)
    {
        if (_swapCgroup == null)
            return;
        ushort* map = SwapCgroupMap(entry.Type);
        if (map == null)
            return;
        int id = map[entry.Offset];
        if (id == 0)
            return;
        for (long i = 0; i < nrPages; i++)
            map[entry.Offset + (ulong)i] = 0;
        MemCgroup* memcg = MemCgroupFromId(id);
        if (memcg == null || MemCgroupIsRoot(memcg))
            return;
        PageCounter.Uncharge(&memcg->Swap, nrPages);
        memcg->StatLocal[(int)MemcgStatItem.Swap] -= nrPages;
        MemcgMaybeFree(memcg);
    }

    /// <summary>
    /// <c>mem_cgroup_get_nr_swap_pages(memcg)</c> (v2): free swap slots, capped by swap.max − swap usage of the group
    /// and each non-root ancestor.
    /// </summary>
    internal long MemCgroupGetNrSwapPages(nint memcgN)
    {
        long nr = GetNrSwapPages();
        for (MemCgroup* memcg = (MemCgroup*)memcgN; memcg != null && !MemCgroupIsRoot(memcg); memcg = memcg->Parent)
            nr = Math.Min(nr, memcg->Swap.Max - memcg->Swap.Usage);
        return nr;
    }

    // ---- memory.high ----

    /// <summary>
    /// <c>reclaim_high(memcg, nr_pages, gfp)</c>: the group and every ancestor over memory.high get MEMCG_HIGH and
    /// reclaim of <paramref name="nrPages"/>.
    /// </summary>
    internal void ReclaimHigh(MemCgroup* memcg, long nrPages, uint gfpMask)
    {
        do
        {
            if (memcg->Memory.Usage <= memcg->High)
                continue;
            MemcgMemoryEvent(memcg, MemcgEventItem.High);
            TryToFreeMemCgroupPages(McN(memcg), (ulong)nrPages, gfpMask, true);
        }
        while ((memcg = memcg->Parent) != null);
    }

    /// <summary><c>calculate_overage(usage, high)</c> (5.4.y): ((usage − high) &lt;&lt; 20) / max(high, 1), 0 within high.</summary>
    internal static ulong CalculateOverage(ulong usage, ulong high)
    {
        if (usage <= high)
            return 0;
        if (high == 0)
            high = 1;
        ulong overage = usage - high;
        overage <<= Memcontrol.MemcgDelayPrecisionShift;
        return overage / high;
    }

    /// <summary>
    /// <c>mem_cgroup_handle_over_high()</c> (5.4.286, with the 5.4.y throttling backport): reclaim_high for the pages
    /// charged over memory.high during the step, then the penalty min(2 s, maxover² · HZ &gt;&gt; 34 · nr / 32)
    /// jiffies (maxover over the group and its non-root ancestors), none at or below HZ/100. Returns the jiffies the
    /// task must sleep (the kernel's schedule_timeout_killable). Called when a task's step returns to user mode.
    /// </summary>
    internal long MemCgroupHandleOverHigh()
    {
        long nrPages;
        MemCgroup* memcg;
        if (_currentTaskStruct != null)
        {
            nrPages = _currentTaskStruct->MemcgNrPagesOverHigh;
            if (nrPages == 0)
                return 0;
            memcg = GetMemCgroupFromMm(_currentTaskStruct->Mm);
            _currentTaskStruct->MemcgNrPagesOverHigh = 0;
        }
        else
        {
            nrPages = _memcgNrPagesOverHighNoTask;
            if (nrPages == 0)
                return 0;
            memcg = GetMemCgroupFromMm(null);
            _memcgNrPagesOverHighNoTask = 0;
        }
        ReclaimHigh(memcg, nrPages, Gfp.Kernel);
        ulong maxOverage = 0;
        MemCgroup* pos = memcg;
        do
        {
            ulong overage = CalculateOverage((ulong)pos->Memory.Usage, (ulong)pos->High);
            if (overage > maxOverage)
                maxOverage = overage;
            pos = pos->Parent;
        }
        while (pos != null && !MemCgroupIsRoot(pos));
        if (maxOverage == 0)
            return 0;
        return HighDelayJiffies(maxOverage, (ulong)nrPages, (ulong)Hz);
    }

    /// <summary>The 5.4.y penalty arithmetic of mem_cgroup_handle_over_high (0 when ≤ HZ/100).</summary>
    internal static long HighDelayJiffies(ulong maxOverage, ulong nrPages, ulong hz)
    {
        ulong penalty = maxOverage * maxOverage * hz;
        penalty >>= Memcontrol.MemcgDelayPrecisionShift;
        penalty >>= Memcontrol.MemcgDelayScalingShift;
        penalty = penalty * nrPages / Memcontrol.MemcgChargeBatch;
        penalty = Math.Min(penalty, 2 * hz);        // MEMCG_MAX_HIGH_DELAY_JIFFIES
        return penalty <= hz / 100 ? 0 : (long)penalty;
    }

    // ---- memcg OOM ----

    private enum OomStatus
    {
        Success,
        Failed,
        Async,
        Skipped,
    }

    /// <summary>
    /// <c>mem_cgroup_oom(memcg, mask, order)</c> (v2, no oom_kill_disable): costly orders skip; MEMCG_OOM; then
    /// mem_cgroup_out_of_memory under the group's OOM lock.
    /// </summary>
    private OomStatus MemCgroupOom(MemCgroup* memcg, uint gfpMask, int order)
    {
        if (order > MmZone.PageAllocCostlyOrder)
            return OomStatus.Skipped;
        MemcgMemoryEvent(memcg, MemcgEventItem.Oom);
        bool locked = !memcg->OomLock;
        memcg->OomLock = true;
        bool ok = MemCgroupOutOfMemory(memcg, gfpMask, order);
        if (locked)
            memcg->OomLock = false;
        return ok ? OomStatus.Success : OomStatus.Failed;
    }

    /// <summary>
    /// <c>mem_cgroup_out_of_memory(memcg, gfp, order)</c> (5.4.286: no margin re-check, that came later): a dying
    /// current task → true (should_force_charge); else out_of_memory constrained to the group's tasks (CONSTRAINT_MEMCG).
    /// </summary>
    internal bool MemCgroupOutOfMemory(MemCgroup* memcg, uint gfpMask, int order)
    {
        if (_currentIsOomVictim)
            return true;
        return OutOfMemory(gfpMask, order, (nint)memcg);
    }

    /// <summary>
    /// <c>mem_cgroup_get_max(memcg)</c> (v2): memory.max, plus min(swap.max, total swap) when swappiness is non-zero
    /// (memsw.max is unlimited on v2) — the OOM badness scale of a memcg OOM.
    /// </summary>
    internal ulong MemCgroupGetMax(MemCgroup* memcg)
    {
        ulong max = (ulong)memcg->Memory.Max;
        if (_vmSwappiness != 0)
        {
            ulong swapMax = Math.Min((ulong)memcg->Swap.Max, (ulong)TotalSwapPages);
            max = Math.Min(max + swapMax, (ulong)PageCounter.PageCounterMax);
        }
        return max;
    }

    /// <summary>Whether the task belongs to <paramref name="memcg"/>'s subtree (mem_cgroup_scan_tasks' filter).</summary>
    internal bool TaskInMemcgSubtree(TaskStruct* task, nint memcg) => MemCgroupIsDescendant(Mc(task->MemCgroup), (MemCgroup*)memcg);

    /// <summary><c>memcg_memory_event_mm(mm, MEMCG_OOM_KILL)</c> for the victim.</summary>
    internal void MemcgMemoryEventTask(TaskStruct* task, MemcgEventItem ev)
    {
        if (_rootMemCgroup != null && task->MemCgroup != 0)
            MemcgMemoryEvent((MemCgroup*)task->MemCgroup, ev);
    }

    // ---- protection ----

    /// <summary>
    /// <c>mem_cgroup_protected(root, memcg)</c> (v5.4.286): effective min/low from the group's own values, clamped by
    /// the parent's effective values and its share of the parent's protected usage (children_*_usage) unless the
    /// parent is the reclaim root; stores emin/elow (not on the early returns); MIN when usage ≤ emin, LOW when ≤
    /// elow, else NONE. Valid when evaluated top-down (mem_cgroup_iter pre-order), as shrink_node does.
    ///
    /// The kernel comment's example: A (low 2G, usage 6G) with B (low 3G, 2G), C (low 1G, 2G), D (low 0, 2G), E (low
    /// 10G, 0) under pressure settles at A 2G, B ≈ 1.3G, C ≈ 0.6G, D 0, E 0.
    /// </summary>
    internal int MemCgroupProtected(nint rootN, nint memcgN)
    {
        if (_rootMemCgroup == null)
            return MemcgProtNone;
        MemCgroup* root = Mc(rootN);
        MemCgroup* memcg = Mc(memcgN);
        if (memcg == root)
            return MemcgProtNone;
        long usage = memcg->Memory.Usage;
        if (usage == 0)
            return MemcgProtNone;
        long emin = memcg->Memory.Min;
        long elow = memcg->Memory.Low;
        MemCgroup* parent = memcg->Parent;
        if (parent == null)
            return MemcgProtNone;
        if (parent != root)
        {
            long parentEmin = parent->Memory.Emin;
            emin = Math.Min(emin, parentEmin);
            if (emin != 0 && parentEmin != 0)
            {
                long minUsage = Math.Min(usage, memcg->Memory.Min);
                long siblingsMinUsage = parent->Memory.ChildrenMinUsage;
                if (minUsage != 0 && siblingsMinUsage != 0)
                    emin = Math.Min(emin, (long)((ulong)parentEmin * (ulong)minUsage / (ulong)siblingsMinUsage));
            }
            long parentElow = parent->Memory.Elow;
            elow = Math.Min(elow, parentElow);
            if (elow != 0 && parentElow != 0)
            {
                long lowUsage = Math.Min(usage, memcg->Memory.Low);
                long siblingsLowUsage = parent->Memory.ChildrenLowUsage;
                if (lowUsage != 0 && siblingsLowUsage != 0)
                    elow = Math.Min(elow, (long)((ulong)parentElow * (ulong)lowUsage / (ulong)siblingsLowUsage));
            }
        }
        memcg->Memory.Emin = emin;
        memcg->Memory.Elow = elow;
        if (usage <= emin)
            return MemcgProtMin;
        if (usage <= elow)
            return MemcgProtLow;
        return MemcgProtNone;
    }

    /// <summary><c>mem_cgroup_protection(root, memcg, &amp;min, &amp;low)</c> (5.4.286): the cached emin/elow; 0 for the reclaim root.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MemCgroupProtection(nint root, nint memcg, out ulong min, out ulong low)
    {
        if (memcg == 0 || memcg == root)
        {
            min = 0;
            low = 0;
            return;
        }
        MemCgroup* m = (MemCgroup*)memcg;
        min = (ulong)m->Memory.Emin;
        low = (ulong)m->Memory.Elow;
    }

    /// <summary><c>mem_cgroup_size(memcg)</c>: memory usage in pages.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong MemCgroupSize(nint memcg) => memcg == 0 ? 0 : (ulong)((MemCgroup*)memcg)->Memory.Usage;

    /// <summary><c>mem_cgroup_online(memcg)</c>: the root is always online.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool MemCgroupOnline(nint memcg) => memcg == 0 || ((MemCgroup*)memcg)->Online;

    // ---- freeing offline groups ----

    /// <summary>An offline group with nothing charged, no tasks and no children is queued for freeing (css_release).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MemcgMaybeFree(MemCgroup* memcg)
    {
        if (!memcg->Online && memcg->Memory.Usage == 0 && memcg->Swap.Usage == 0)
            _memcgPendingFree++;
    }

    /// <summary>
    /// Frees offline groups whose last charge went (the kernel's css release, deferred past RCU; here to points
    /// where no reclaim walk holds a group: the public API and the end of a task step).
    /// </summary>
    internal void MemcgReapOffline()
    {
        if (_memcgPendingFree == 0 || _rootMemCgroup == null)
            return;
        _memcgPendingFree = 0;
        bool again = true;
        while (again)
        {
            again = false;
            MemCgroup* pos = CssNextDescendantPre(_rootMemCgroup, _rootMemCgroup);
            while (pos != null)
            {
                MemCgroup* next = CssNextDescendantPre(pos, _rootMemCgroup);
                if (!pos->Online && pos->Memory.Usage == 0 && pos->Swap.Usage == 0 && pos->NrTasks == 0
                    && ListHead.Empty(&pos->Children) && MemcgStockPages(pos) == 0)
                {
                    MemCgroupFree(pos);
                    again = true;
                    break;
                }
                pos = next;
            }
        }
    }

    private void MemCgroupFree(MemCgroup* memcg)
    {
        for (int cpu = 0; cpu < _nrCpus; cpu++)
        {
            if (_memcgStock[cpu].Cached == memcg)
                _memcgStock[cpu].Cached = null;
        }
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            MemCgroupPerNode* mz = MemCgroup.NodeInfo(memcg, nid);
            if (mz->OnTree)
                ListHead.Del(&mz->TreeNode);
            if (mz->ShrinkerMap != null)
                _heap.Free(mz->ShrinkerMap);
        }
        ListHead.Del(&memcg->Sibling);
        _memcgIdr![memcg->Id] = 0;
        string? path = MemcgPathOf(memcg);
        if (path != null)
            _memcgByPath!.Remove(path);
        _heap.Free(memcg->Nodeinfo);
        _memcgPool.Free(memcg);
    }
}
