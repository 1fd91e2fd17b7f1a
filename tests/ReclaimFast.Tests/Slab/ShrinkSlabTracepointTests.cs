using System.Linq;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Slab;
using ReclaimFast.Tests.Infrastructure;
using Xunit;

namespace ReclaimFast.Tests.Slab;

/// <summary>do_shrink_slab emits mm_shrink_slab_start / _end with the kernel's values.</summary>
[Collection(ZeroAllocCollection.Name)]
public sealed unsafe class ShrinkSlabTracepointTests
{
    [Fact]
    public void DoShrinkSlab_EmitsStartAndEnd()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Shrinker* s = DoShrinkSlabTests.Constructed(m, 10000, seeks: 2);
        s->NrDeferred[0] = 56;
        using var rec = new TracepointRecorder();
        ShrinkControl sc = new() { GfpMask = Gfp.Kernel };
        // nr 56, delta (10000 >> 6) * 4 / 2 = 312, total 368 → 256 scanned, new nr_deferred 368 − 256 = 112.
        Assert.Equal(256UL, m.DoShrinkSlab(&sc, s, 6));
        var start = rec.Events.Single(e => e.EventName == "mm_shrink_slab_start" && Equals(e.Payload![0], s->Id));
        Assert.Equal(56L, start.Payload![2]);               // nr_objects_to_shrink (deferred taken)
        Assert.Equal(Gfp.Kernel, start.Payload[3]);
        Assert.Equal(10000UL, start.Payload[4]);            // cache_items
        Assert.Equal(312UL, start.Payload[5]);              // delta
        Assert.Equal(368UL, start.Payload[6]);              // total_scan
        Assert.Equal(6, start.Payload[7]);                  // priority
        var end = rec.Events.Single(e => e.EventName == "mm_shrink_slab_end" && Equals(e.Payload![0], s->Id));
        Assert.Equal(56L, end.Payload![2]);                 // unused_scan
        Assert.Equal(112L, end.Payload[3]);                 // new_scan
        Assert.Equal(256, end.Payload[4]);                  // retval
        Assert.Equal(368L - 256, end.Payload[5]);           // total_scan left
    }
}
