using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

// mm/memcontrol.c soft-limit reclaim (v1 soft_limit_in_bytes). The kernel keeps, per node, an rb-tree of
// mem_cgroup_per_node ordered by usage_in_excess; with few groups a sorted doubly linked list does the same job
// (insertion O(n), the largest at the tail; equal keys go after existing ones, as the rb-tree insert goes right).
public sealed unsafe partial class Machine
{
    private ListHead* _softLimitTree;   // per node

    private static readonly nint s_treeNodeOffset = TreeNodeOffset();

    private static nint TreeNodeOffset()
    {
        MemCgroupPerNode probe;
        return (nint)((byte*)&probe.TreeNode - (byte*)&probe);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static MemCgroupPerNode* FromTreeNode(ListHead* l) => (MemCgroupPerNode*)((byte*)l - s_treeNodeOffset);

    /// <summary><c>soft_limit_excess(memcg)</c>: usage above the soft limit, 0 within it.</summary>
    internal static long SoftLimitExcess(MemCgroup* memcg)
    {
        long nr = memcg->Memory.Usage;
        long soft = memcg->SoftLimit;
        return nr > soft ? nr - soft : 0;
    }

    /// <summary><c>__mem_cgroup_insert_exceeded(mz, mctz, new_usage_in_excess)</c>: only a positive excess is kept.</summary>
    private void MemCgroupInsertExceeded(MemCgroupPerNode* mz, int nid, long excess)
    {
        if (mz->OnTree)
            return;
        mz->UsageInExcess = excess;
        if (excess == 0)
            return;
        ListHead* head = _softLimitTree + nid;
        ListHead* pos = head->Prev;
        while (pos != head && FromTreeNode(pos)->UsageInExcess > excess)
            pos = pos->Prev;
        ListHead.Add(&mz->TreeNode, pos);      // after the last entry ≤ excess
        mz->OnTree = true;
    }

    /// <summary><c>__mem_cgroup_remove_exceeded(mz, mctz)</c>.</summary>
    private static void MemCgroupRemoveExceeded(MemCgroupPerNode* mz)
    {
        if (!mz->OnTree)
            return;
        ListHead.Del(&mz->TreeNode);
        ListHead.Init(&mz->TreeNode);
        mz->OnTree = false;
    }

    /// <summary>
    /// <c>mem_cgroup_update_tree(memcg, page)</c>: for the group and each ancestor (below the root) re-insert its
    /// per-node entry with the current excess when it has one or is on the tree.
    /// </summary>
    private void MemCgroupUpdateTree(MemCgroup* memcg, int nid)
    {
        for (; memcg != null && memcg->Nodeinfo != null; memcg = memcg->Parent)
        {
            MemCgroupPerNode* mz = MemCgroup.NodeInfo(memcg, nid);
            long excess = SoftLimitExcess(memcg);
            if (excess != 0 || mz->OnTree)
            {
                MemCgroupRemoveExceeded(mz);
                MemCgroupInsertExceeded(mz, nid, excess);
            }
        }
    }

    /// <summary>
    /// <c>__mem_cgroup_largest_soft_limit_node(mctz)</c>: take the largest entry off the tree; skip (drop) entries
    /// no longer over their limit or offline.
    /// </summary>
    private MemCgroupPerNode* MemCgroupLargestSoftLimitNode(int nid)
    {
        ListHead* head = _softLimitTree + nid;
        while (head->Prev != head)
        {
            MemCgroupPerNode* mz = FromTreeNode(head->Prev);
            MemCgroupRemoveExceeded(mz);
            if (SoftLimitExcess(mz->Memcg) == 0 || !mz->Memcg->Online)
                continue;
            return mz;
        }
        return null;
    }

    /// <summary>
    /// <c>mem_cgroup_soft_reclaim(root_memcg, pgdat, gfp, &amp;total_scanned)</c>: walk the subtree with
    /// mem_cgroup_shrink_node until the excess is gone; after two full walks stop when nothing was reclaimed, a quarter
    /// of the excess was, or after MEM_CGROUP_MAX_RECLAIM_LOOPS walks.
    /// </summary>
    private ulong MemCgroupSoftReclaim(MemCgroup* rootMemcg, PglistData* pgdat, uint gfpMask, ref ulong totalScanned)
    {
        ulong total = 0;
        int loop = 0;
        ulong excess = (ulong)SoftLimitExcess(rootMemcg);
        nint root = McN(rootMemcg);
        nint victim = 0;
        bool started = false;
        while (true)
        {
            if (!MemCgroupIterNext(root, ref victim, ref started))
            {
                started = false;
                loop++;
                if (loop >= 2)
                {
                    if (total == 0)
                        break;
                    if (total >= excess >> 2 || loop > Memcontrol.MemCgroupMaxReclaimLoops)
                        break;
                }
                continue;
            }
            total += MemCgroupShrinkNode(victim, gfpMask, false, pgdat, out ulong nrScanned);
            totalScanned += nrScanned;
            if (SoftLimitExcess(rootMemcg) == 0)
                break;
        }
        return total;
    }

    /// <summary>
    /// <c>mem_cgroup_soft_limit_reclaim(pgdat, order, gfp, &amp;total_scanned)</c>: order 0 only; reclaim from the
    /// group with the largest soft-limit excess on this node, re-insert it with its new excess; on no progress try the
    /// next largest, giving up after MEM_CGROUP_MAX_SOFT_LIMIT_RECLAIM_LOOPS.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal ulong MemCgroupSoftLimitReclaim(PglistData* pgdat, int order, uint gfpMask, out ulong totalScanned)
    {
        totalScanned = 0;
        if (order > 0 || _softLimitTree == null)
            return 0;
        int nid = pgdat->NodeId;
        ListHead* head = _softLimitTree + nid;
        if (ListHead.Empty(head))
            return 0;
        ulong nrReclaimed = 0;
        MemCgroupPerNode* nextMz = null;
        int loop = 0;
        do
        {
            MemCgroupPerNode* mz = nextMz != null ? nextMz : MemCgroupLargestSoftLimitNode(nid);
            if (mz == null)
                break;
            ulong nrScanned = 0;
            ulong reclaimed = MemCgroupSoftReclaim(mz->Memcg, pgdat, gfpMask, ref nrScanned);
            nrReclaimed += reclaimed;
            totalScanned += nrScanned;
            MemCgroupRemoveExceeded(mz);
            nextMz = null;
            if (reclaimed == 0)
                nextMz = MemCgroupLargestSoftLimitNode(nid);
            MemCgroupInsertExceeded(mz, nid, SoftLimitExcess(mz->Memcg));
            loop++;
            if (nrReclaimed == 0 && (nextMz == null || loop > Memcontrol.MemCgroupMaxSoftLimitReclaimLoops))
                break;
        }
        while (nrReclaimed == 0);
        return nrReclaimed;
    }
}
