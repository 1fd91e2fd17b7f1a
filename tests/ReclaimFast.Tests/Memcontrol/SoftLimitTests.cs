using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.PageAlloc;
using Xunit;
using static ReclaimFast.Tests.Memcontrol.MemcgTestKit;

namespace ReclaimFast.Tests.Memcontrol;

/// <summary>v1 soft-limit reclaim (mem_cgroup_soft_limit_reclaim → mem_cgroup_soft_reclaim → mem_cgroup_shrink_node).</summary>
public unsafe class SoftLimitTests
{
    [Fact]
    public void SoftLimitReclaim_TakesFromTheLargestExcess_UntilAQuarterOfIt()
    {
        using Machine m = Machine(16384);
        m.MemCgroupCreate("/s1");
        m.MemCgroupCreate("/s2");
        m.MemCgroupSetKnob("/s1", MemcgKnob.SoftLimit, 100 * Page);
        ProtectionTests.FillCache(m, "/s1", 1500);
        ProtectionTests.FillCache(m, "/s2", 1500);
        m.DrainAllStock(m.MemCgroupByPath("/s1"));
        // memcg_check_events put /s1 on node 0's soft-limit tree (SOFTLIMIT_EVENTS_TARGET = 1024 page events).
        Assert.True(MemCgroup.NodeInfo(m.MemCgroupByPath("/s1"), 0)->OnTree);
        Assert.False(MemCgroup.NodeInfo(m.MemCgroupByPath("/s2"), 0)->OnTree);
        ulong reclaimed = m.MemCgroupSoftLimitReclaim(m.NodeData(0), 0, Gfp.Kernel, out ulong scanned);
        // excess = 1500 − 100 = 1400. Each mem_cgroup_shrink_node (nr_to_reclaim 32, file pages only) frees one batch
        // of 32; after the second full walk soft_reclaim stops once total ≥ excess/4 = 350: 11 walks, 352 pages.
        Assert.Equal(352UL, reclaimed);
        Assert.True(scanned >= reclaimed);
        Assert.Equal(1500 - 352, Pages(m, "/s1"));
        Assert.True(Pages(m, "/s2") >= 1500);
        // Orders above 0 are not soft-limit reclaimed.
        Assert.Equal(0UL, m.MemCgroupSoftLimitReclaim(m.NodeData(0), 1, Gfp.Kernel, out _));
        m.CheckInvariants();
    }
}
