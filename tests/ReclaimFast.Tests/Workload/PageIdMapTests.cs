using ReclaimFast.Workload.Traces;
using Xunit;

namespace ReclaimFast.Tests.Workload;

public class PageIdMapTests
{
    [Fact]
    public void DenseIdsFollowFirstReference_AcrossGrowth()
    {
        var map = new PageIdMap();
        // Sparse 64-bit ids, many more than the initial table holds, each referenced twice.
        for (ulong i = 0; i < 100_000; i++)
            Assert.Equal((uint)i, map.GetOrAdd(i * 0x1_0000_0001UL + 7));
        for (ulong i = 0; i < 100_000; i++)
            Assert.Equal((uint)i, map.GetOrAdd(i * 0x1_0000_0001UL + 7));
        Assert.Equal(100_000, map.Count);
        Assert.Equal(100_000u, map.GetOrAdd(ulong.MaxValue));
        Assert.Equal(0u, map.GetOrAdd(7));
    }
}
