using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/workingset.c (v5.4): shadow entries left in the page cache by evicted pages, the refault distance test that
// activates refaulting pages whose distance fits in the active list, and the shadow-node shrinker's arithmetic.
public sealed unsafe partial class Machine
{
    /// <summary>MEM_CGROUP_ID_SHIFT.</summary>
    internal const int MemCgroupIdShift = 16;
    /// <summary>BITS_PER_XA_VALUE = BITS_PER_LONG − 1.</summary>
    internal const int BitsPerXaValue = 63;
    /// <summary>WORKINGSET_SHIFT: the PageWorkingset bit.</summary>
    internal const int WorkingsetShift = 1;
    /// <summary>EVICTION_SHIFT = (BITS_PER_LONG − BITS_PER_XA_VALUE) + WORKINGSET_SHIFT + NODES_SHIFT + MEM_CGROUP_ID_SHIFT.</summary>
    internal const int EvictionShift = (64 - BitsPerXaValue) + WorkingsetShift + PageOps.NodesShift + MemCgroupIdShift;
    /// <summary>EVICTION_MASK = ~0UL &gt;&gt; EVICTION_SHIFT.</summary>
    internal const ulong EvictionMask = ~0UL >> EvictionShift;

    private int _bucketOrder;

    /// <summary><c>bucket_order</c>: eviction timestamps are stored in buckets of 2^order when RAM outgrows them.</summary>
    internal int BucketOrder => _bucketOrder;

    /// <summary><c>totalram_pages()</c>: pages managed by the buddy allocator, all zones.</summary>
    internal ulong TotalramPages()
    {
        ulong sum = 0;
        for (int n = 0; n < _nrNodes; n++)
        {
            for (int z = 0; z < MmZone.MaxNrZones; z++)
                sum += PglistData.NodeZone(_pgdats + n, z)->ManagedPages;
        }
        return sum;
    }

    /// <summary>
    /// The bucket_order computed by <c>workingset_init</c> for <paramref name="totalramPages"/>:
    /// max(0, fls_long(totalram − 1) − (BITS_PER_LONG − EVICTION_SHIFT)).
    /// </summary>
    internal static int ComputeBucketOrder(ulong totalramPages)
    {
        int timestampBits = 64 - EvictionShift;
        int maxOrder = Fls(totalramPages - 1); // fls_long
        return maxOrder > timestampBits ? maxOrder - timestampBits : 0;
    }

    /// <summary><c>workingset_init</c>: the bucket order (the shadow-node shrinker registers with the slab issue).</summary>
    private void WorkingsetInit() => _bucketOrder = ComputeBucketOrder(TotalramPages());

    /// <summary>
    /// <c>pack_shadow(memcgid, pgdat, eviction, workingset)</c>: an xarray value entry (low bit set) holding the
    /// bucketed eviction timestamp, memcg id, node id and the workingset bit.
    /// </summary>
    internal ulong PackShadow(int memcgId, int nid, ulong eviction, bool workingset)
    {
        eviction >>= _bucketOrder;
        eviction &= EvictionMask;
        eviction = (eviction << MemCgroupIdShift) | (uint)memcgId;
        eviction = (eviction << PageOps.NodesShift) | (uint)nid;
        eviction = (eviction << WorkingsetShift) | (workingset ? 1UL : 0UL);
        return (eviction << 1) | 1;     // xa_mk_value
    }

    /// <summary><c>unpack_shadow</c>: the inverse of <see cref="PackShadow"/> (eviction back in inactive_age units).</summary>
    internal void UnpackShadow(ulong shadow, out int memcgId, out int nid, out ulong eviction, out bool workingset)
    {
        ulong entry = shadow >> 1;      // xa_to_value
        workingset = (entry & ((1UL << WorkingsetShift) - 1)) != 0;
        entry >>= WorkingsetShift;
        nid = (int)(entry & ((1UL << PageOps.NodesShift) - 1));
        entry >>= PageOps.NodesShift;
        memcgId = (int)(entry & ((1UL << MemCgroupIdShift) - 1));
        entry >>= MemCgroupIdShift;
        eviction = entry << _bucketOrder;
    }

    /// <summary><c>mem_cgroup_id(page_memcg(page))</c>: the css id of the page's memcg (0 = root).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PageMemcgId(Page* page) => MemCgroupId((nint)page->MemCgroup);

    /// <summary>
    /// <c>workingset_eviction(page)</c>: advance the lruvec's inactive_age and return the shadow entry recording it.
    /// </summary>
    internal ulong WorkingsetEviction(Page* page)
    {
        PglistData* pgdat = PagePgdat(page);
        Lruvec* lruvec = MemCgroupLruvec(pgdat, (nint)page->MemCgroup);
        ulong eviction = ++lruvec->InactiveAge;
        return PackShadow(PageMemcgId(page), pgdat->NodeId, eviction, PageWorkingset(page));
    }

    /// <summary>
    /// <c>workingset_refault(page, shadow)</c>: WORKINGSET_REFAULT; if the refault distance (evictions and
    /// activations since this page's eviction) is at most the active file list, the page would have stayed resident
    /// with that much more inactive space: activate it (PG_active, inactive_age++, WORKINGSET_ACTIVATE) and restore
    /// PG_workingset (WORKINGSET_RESTORE) if it had it. Returns whether the page was activated.
    /// </summary>
    internal bool WorkingsetRefault(Page* page, ulong shadow)
    {
        UnpackShadow(shadow, out int memcgId, out int nid, out ulong eviction, out bool workingset);
        if ((uint)nid >= (uint)_nrNodes)
            return false;
        // mem_cgroup_from_id(memcgid): a group that is gone stops the refault check before it is counted.
        nint memcg = 0;
        if (memcgId != 0)
        {
            MemCgroup* m = MemCgroupFromId(memcgId);
            if (m == null)
                return false;
            memcg = (nint)m;
        }
        Lruvec* lruvec = MemCgroupLruvec(_pgdats + nid, memcg);
        ulong refault = lruvec->InactiveAge;
        ulong activeFile = LruvecLruSize(lruvec, LruList.ActiveFile, MmZone.MaxNrZones);
        ulong refaultDistance = (refault - eviction) & EvictionMask;
        ModLruvecState(lruvec, NodeStatItem.WorkingsetRefault, 1);
        if (refaultDistance > activeFile)
            return false;
        SetPageActive(page);
        lruvec->InactiveAge++;
        ModLruvecState(lruvec, NodeStatItem.WorkingsetActivate, 1);
        if (workingset)
        {
            SetPageWorkingset(page);
            ModLruvecState(lruvec, NodeStatItem.WorkingsetRestore, 1);
        }
        return true;
    }

    /// <summary><c>workingset_activation(page)</c>: an activation advances the page's lruvec inactive_age.</summary>
    internal void WorkingsetActivation(Page* page)
    {
        Lruvec* lruvec = MemCgroupLruvec(PagePgdat(page), (nint)page->MemCgroup);
        lruvec->InactiveAge++;
    }

    /// <summary>SHRINK_EMPTY (include/linux/shrinker.h).</summary>
    internal const ulong ShrinkEmpty = ~0UL - 1;

    /// <summary>
    /// The arithmetic of <c>count_shadow_nodes</c>: with <paramref name="nodes"/> shadow-only xarray nodes and
    /// <paramref name="pages"/> pages (node present pages, or a memcg lruvec's LRU + slab pages), allow
    /// <c>max_nodes = pages &gt;&gt; (XA_CHUNK_SHIFT − 3)</c> = pages/8; return the excess, 0 within it, or
    /// SHRINK_EMPTY with no nodes.
    /// </summary>
    internal static ulong CountShadowNodesFor(ulong nodes, ulong pages)
    {
        if (nodes == 0)
            return ShrinkEmpty;
        ulong maxNodes = pages >> (6 - 3);
        return nodes <= maxNodes ? 0 : nodes - maxNodes;
    }

    // ---- the shadow-node shrinker (workingset_update_node, count_shadow_nodes, scan_shadow_nodes) ----

    private ShadowNodes* _shadowNodes;
    private XaUpdate* _pageCacheXaUpdate;

    /// <summary>
    /// The <c>xa_update</c> hook the page cache passes to the xarray (<c>mapping_set_update</c> →
    /// <c>workingset_update_node</c>).
    /// </summary>
    internal XaUpdate* PageCacheXaUpdate => _pageCacheXaUpdate;

    /// <summary>Sets up the <c>shadow_nodes</c> list_lru and the page cache's xarray update hook (boot).</summary>
    private void ShadowNodesInit()
    {
        _shadowNodes = _heap.AllocOne<ShadowNodes>();
        ListHead.Init(&_shadowNodes->List);
        _shadowNodes->Pgdat = _pgdats;
        _pageCacheXaUpdate = _heap.AllocOne<XaUpdate>();
        _pageCacheXaUpdate->Fn = &WorkingsetUpdateNode;
        _pageCacheXaUpdate->Context = _shadowNodes;
    }

    /// <summary>
    /// <c>workingset_update_node(node)</c>: a non-empty xarray node holding only shadow entries joins the
    /// <c>shadow_nodes</c> list (WORKINGSET_NODES + 1); any other node leaves it (− 1).
    /// </summary>
    private static void WorkingsetUpdateNode(XaNode* node, void* context)
    {
        var list = (ShadowNodes*)context;
        bool linked = node->PrivateList.Next != null && node->PrivateList.Next != &node->PrivateList;
        if (node->Count != 0 && node->Count == node->NrValues)
        {
            if (!linked)
            {
                ListHead.Add(&node->PrivateList, &list->List);
                list->Nr++;
                list->Pgdat->VmStat[(int)NodeStatItem.WorkingsetNodes]++;
            }
        }
        else if (linked)
        {
            ListHead.DelInit(&node->PrivateList);
            list->Nr--;
            list->Pgdat->VmStat[(int)NodeStatItem.WorkingsetNodes]--;
        }
    }

    /// <summary>
    /// <c>count_shadow_nodes</c> for node <paramref name="nid"/>: shadow-only xarray nodes beyond
    /// <c>node_present_pages / 8</c>. Simplified: memcg shrink_slab counts against the node too (v5.4's memcg variant
    /// counts the lruvec's LRU + slab pages), since all shadow nodes sit on one list.
    /// Simplification: xarray nodes live in host memory, so all of them are charged to node 0's list.
    /// </summary>
    internal ulong CountShadowNodes(int nid)
    {
        if (nid != 0)
            return ShrinkEmpty;
        return CountShadowNodesFor((ulong)_shadowNodes->Nr, NodeData(nid)->NodePresentPages);
    }

    /// <summary>
    /// <c>scan_shadow_nodes</c> → <c>shadow_lru_isolate</c> on up to <paramref name="nrToScan"/> nodes from the list's
    /// tail (oldest): each node's shadows are dropped (<c>nrexceptional</c>), the node deleted from its xarray and
    /// WORKINGSET_NODERECLAIM counted. Returns the nodes reclaimed.
    /// </summary>
    internal ulong ScanShadowNodes(ulong nrToScan)
    {
        ulong freed = 0;
        ListHead* list = &_shadowNodes->List;
        XaNode nodeLayout;
        AddressSpace mappingLayout;
        nint listOffset = (nint)((byte*)&nodeLayout.PrivateList - (byte*)&nodeLayout);       // container_of offsets
        nint pagesOffset = (nint)((byte*)&mappingLayout.IPages - (byte*)&mappingLayout);
        while (freed < nrToScan && !ListHead.Empty(list))
        {
            XaNode* node = (XaNode*)((byte*)list->Prev - listOffset);
            Debug.Assert(node->Count == node->NrValues && node->NrValues != 0);
            XArray* array = node->Array;
            AddressSpace* mapping = (AddressSpace*)((byte*)array - pagesOffset);
            mapping->NrExceptional -= node->NrValues;
            // xa_delete_node: erase every slot; the last erase frees the node (and unlinks it via the hook).
            ulong baseIndex = XArray.NodeBaseIndex(node);
            for (int i = 0; i < XaNode.ChunkSize; i++)
            {
                if (node->Slots[i] == 0)
                    continue;
                bool last = node->Count == 1;
                array->Store(baseIndex + (ulong)i, 0, ref _xaNodePool, _pageCacheXaUpdate);
                if (last)
                    break;
            }
            _shadowNodes->Pgdat->VmStat[(int)NodeStatItem.WorkingsetNodereclaim]++;
            freed++;
        }
        return freed;
    }
}

/// <summary>
/// Mirrors the <c>shadow_nodes</c> <c>list_lru</c> (mm/workingset.c): xarray nodes that hold only shadow entries,
/// newest at the head.
/// </summary>
public unsafe struct ShadowNodes
{
    /// <summary>The list, linked through <see cref="XaNode.PrivateList"/>.</summary>
    public ListHead List;
    /// <summary>Nodes on the list.</summary>
    public long Nr;
    /// <summary>The node whose WORKINGSET_NODES counter the list is charged to.</summary>
    public PglistData* Pgdat;
}
