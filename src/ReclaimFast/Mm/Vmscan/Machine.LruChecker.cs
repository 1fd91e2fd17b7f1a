using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// CONFIG_DEBUG_VM in spirit for the LRU: walks every node lruvec and checks what the kernel's VM_BUG_ONs and the
// vmstat counters promise. O(pages on the LRU); for tests and the stress harness, never on a hot path.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// Checks every lruvec (the node's and each memcg's, pre-order): each page charged to the lruvec's memcg on list <c>lru</c> has PG_lru, a refcount, <c>page_lru(page) == lru</c>,
    /// belongs to this node, and per zone the list lengths equal NR_ZONE_LRU_BASE+lru (and the node counters
    /// NR_LRU_BASE+lru). Returns null when consistent, else a description of the first violation.
    /// </summary>
    internal string? CheckLruInvariants()
    {
        long* perZone = stackalloc long[MmZone.MaxNrZones];
        long* zoneSum = stackalloc long[MmZone.MaxNrZones * Lru.NrLruLists];
        long* nodeSum = stackalloc long[Lru.NrLruLists];
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            PglistData* pgdat = _pgdats + nid;
            for (int i = 0; i < MmZone.MaxNrZones * Lru.NrLruLists; i++)
                zoneSum[i] = 0;
            for (int l = 0; l < Lru.NrLruLists; l++)
                nodeSum[l] = 0;
            nint memcg = 0;
            bool started = false;
            while (MemCgroupIterNext(0, ref memcg, ref started))
            {
                Lruvec* lruvec = MemCgroupLruvec(pgdat, memcg);
                if (lruvec->MemCgroup != memcg)
                    return $"node {nid}: lruvec of memcg {memcg:x} names memcg {lruvec->MemCgroup:x}";
                for (int l = 0; l < Lru.NrLruLists; l++)
                {
                    for (int z = 0; z < MmZone.MaxNrZones; z++)
                        perZone[z] = 0;
                    ListHead* head = Lruvec.List(lruvec, (LruList)l);
                    long total = 0;
                    for (ListHead* p = head->Next; p != head; p = p->Next)
                    {
                        Page* page = Page.FromLru(p);
                        ulong pfn = PageToPfn(page);
                        if (pfn >= _memMapPfns)
                            return $"node {nid} lru {(LruList)l}: entry outside mem_map";
                        if (!PageLRU(page))
                            return $"pfn {pfn} on lru {(LruList)l} without PG_lru";
                        if (page->RefCount <= 0)
                            return $"pfn {pfn} on lru {(LruList)l} with refcount {page->RefCount}";
                        if (Lru.PageLru(page) != (LruList)l)
                            return $"pfn {pfn} on lru {(LruList)l} but page_lru says {Lru.PageLru(page)}";
                        if (PageToNid(page) != nid)
                            return $"pfn {pfn} of node {PageToNid(page)} on node {nid}'s lruvec";
                        if ((nint)page->MemCgroup != memcg)
                            return $"pfn {pfn} charged to memcg {page->MemCgroup:x} sits on the lruvec of memcg {memcg:x}";
                        perZone[PageZonenum(page)] += CompoundNr(page);
                        total += CompoundNr(page);
                    }
                    for (int z = 0; z < MmZone.MaxNrZones; z++)
                    {
                        zoneSum[z * Lru.NrLruLists + l] += perZone[z];
                        if (memcg != 0 && lruvec->LruZoneSize[z * Lru.NrLruLists + l] != perZone[z])
                            return $"memcg {memcg:x} node {nid} zone {z} lru {(LruList)l}: {perZone[z]} pages listed, lru_zone_size says {lruvec->LruZoneSize[z * Lru.NrLruLists + l]}";
                    }
                    nodeSum[l] += total;
                    if (memcg != 0 && lruvec->StatLocal[l] != total)
                        return $"memcg {memcg:x} node {nid} lru {(LruList)l}: {total} pages listed, local counter says {lruvec->StatLocal[l]}";
                }
            }
            for (int l = 0; l < Lru.NrLruLists; l++)
            {
                for (int z = 0; z < MmZone.MaxNrZones; z++)
                {
                    long counter = PglistData.NodeZone(pgdat, z)->VmStat[(int)ZoneStatItem.NrZoneInactiveAnon + l];
                    if (counter != zoneSum[z * Lru.NrLruLists + l])
                        return $"node {nid} zone {z} lru {(LruList)l}: {zoneSum[z * Lru.NrLruLists + l]} pages listed, counter says {counter}";
                }
                if (pgdat->VmStat[l] != nodeSum[l])
                    return $"node {nid} lru {(LruList)l}: {nodeSum[l]} pages listed, NR_LRU counter says {pgdat->VmStat[l]}";
            }
        }
        return null;
    }
}
