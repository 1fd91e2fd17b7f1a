using System.Collections.Generic;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Tests.Infrastructure;
using ReclaimFast.Tests.Vmscan;
using Xunit;

namespace ReclaimFast.Tests.Compaction;

/// <summary>A direct compaction run (isolation, migration, rmap retargeting, freeing) allocates nothing once warmed up.</summary>
[Collection(ZeroAllocCollection.Name)]
public unsafe class CompactionZeroAllocTests
{
    [Fact]
    public void DirectCompactionRun_AllocatesNothing()
    {
        using Machine warm = LruTestKit.Small(16384);
        using Machine m = LruTestKit.Small(16384);
        Page* page = null;
        AllocationAssert.ZeroAllocations(
            () =>
            {
                var ballast = new List<nint>();
                DirectCompactionTests.Fragment(warm, movable: true, out _, out _, out _, ballast);
                Page* p = warm.AllocPages(Gfp.HighUserMovable, 4, -1);
                Assert.True(p != null);
                DirectCompactionTests.Fragment(m, movable: true, out TaskStruct* _, out ulong _, out AddressSpace* _, ballast);
            },
            () => page = m.AllocPages(Gfp.HighUserMovable, 4, -1));
        Assert.True(page != null);
        Assert.True(m.VmEvent(VmEventItem.CompactSuccess) >= 1);
        Assert.True(m.VmEvent(VmEventItem.PgmigrateSuccess) >= 1);
    }
}
