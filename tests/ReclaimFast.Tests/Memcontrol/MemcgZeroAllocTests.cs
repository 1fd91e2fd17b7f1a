using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Infrastructure;
using Xunit;
using static ReclaimFast.Tests.Memcontrol.MemcgTestKit;

namespace ReclaimFast.Tests.Memcontrol;

/// <summary>The memcg charge/uncharge path and memcg reclaim allocate nothing on the GC heap once warmed up.</summary>
[Collection(ZeroAllocCollection.Name)]
public unsafe class MemcgZeroAllocTests
{
    [Fact]
    public void ChargeUncharge_AllocatesNothing()
    {
        using Machine m = Machine();
        m.MemCgroupCreate("/z");
        TaskStruct* t = Process(m, "/z", 1, out _);
        m.CurrentTaskStruct = t;
        MemCgroup* z = m.MemCgroupByPath("/z");
        int failures = 0;
        void Cycle(int n)
        {
            for (int i = 0; i < n; i++)
            {
                Mm.Types.Page* page = m.AllocPages(Gfp.HighUserMovable, 0, -1);
                if (m.MemCgroupTryCharge(page, t->Mm, Gfp.Kernel, out nint memcg) != 0)
                    failures++;
                m.MemCgroupCommitCharge(page, memcg, false);
                m.PutPage(page);            // __put_single_page: mem_cgroup_uncharge, free
            }
        }
        AllocationAssert.ZeroAllocations(() => Cycle(100), () => Cycle(10_000));
        Assert.Equal(0, failures);
        Assert.True(z->Memory.Usage <= Mm.Memcontrol.Memcontrol.MemcgChargeBatch);
        m.CheckInvariants();
    }

    [Fact]
    public void MemcgReclaimAtMax_AllocatesNothing()
    {
        using Machine m = Machine(16384);
        m.MemCgroupCreate("/r");
        m.MemCgroupSetKnob("/r", MemcgKnob.Max, 512 * Page);
        TaskStruct* t = m.CreateTask();
        m.MemCgroupAttachTaskStruct("/r", t);
        m.CurrentTaskStruct = t;
        var file = (Mm.Filemap.AddressSpace*)Vmscan.LruTestKit.FakeMapping(m, 1 << 20);
        ulong index = 0;
        // Page cache read into a group at its limit: every 32 pages try_charge reclaims the group's oldest pages.
        void Read(int n)
        {
            for (int i = 0; i < n; i++)
            {
                Mm.Types.Page* page = m.AllocPages(Gfp.HighUserMovable, 0, -1);
                m.AddToPageCacheLru(page, file, index++);
                Mm.Types.PageOps.SetPageUptodate(page);
                Mm.Types.PageOps.ClearPageLocked(page);
                m.PutPage(page);
            }
        }
        AllocationAssert.ZeroAllocations(() => Read(2000), () => Read(5000));
        Assert.True(m.MemCgroupEvent("/r", MemcgEventItem.Max) > 100);
        Assert.True(Pages(m, "/r") <= 512);
        m.CurrentTaskStruct = null;
        m.CheckInvariants();
    }
}
