using System;
using ReclaimFast.Mm.Swap;
using Xunit;

namespace ReclaimFast.Tests.Swap;

/// <summary>
/// Swap device priorities as v5.4 mm/swapfile.c orders them: <c>setup_swap_info</c> gives a device swapped on
/// without a priority <c>--least_priority</c> (−2, −3, …); <c>get_swap_pages</c> takes the first device of the avail
/// plist (highest priority) after <c>plist_requeue</c> moved it behind its equal-priority peers; a full device leaves
/// the list (<c>swap_range_alloc</c>) and rejoins at the end of its priority group when a slot frees.
/// </summary>
public unsafe class SwapPriorityTests
{
    [Fact]
    public void DefaultPrioritiesDescendInSwaponOrder_FirstDeviceFillsFirst()
    {
        using Machine m = Memory.MmTestMachine.Create();
        int a = m.SwapOn(4); // 3 usable slots, prio -2
        int b = m.SwapOn(4); // prio -3
        Assert.Equal(-2, m.SwapInfo(a)->Prio);
        Assert.Equal(-3, m.SwapInfo(b)->Prio);
        // -2 > -3: every slot of a first, then b.
        int[] expect = [a, a, a, b, b, b];
        foreach (int t in expect)
            Assert.Equal(t, m.GetSwapPage().Type);
        Assert.True(m.GetSwapPage().IsNull);
    }

    [Fact]
    public void HigherExplicitPriorityWinsAndEqualPrioritiesTakeTurns()
    {
        using Machine m = Memory.MmTestMachine.Create();
        int slow = m.SwapOn(8);          // -2
        int fast1 = m.SwapOn(3, prio: 5);
        int fast2 = m.SwapOn(3, prio: 5);
        // fast1 and fast2 (prio 5) alternate, starting with the one queued first; slow only when both are full.
        int[] expect = [fast1, fast2, fast1, fast2, slow, slow];
        foreach (int t in expect)
            Assert.Equal(t, m.GetSwapPage().Type);
    }

    [Fact]
    public void FullDeviceRejoinsTheAvailListWhenASlotFrees()
    {
        using Machine m = Memory.MmTestMachine.Create();
        int hi = m.SwapOn(2, prio: 10); // one usable slot
        int lo = m.SwapOn(8);
        SwpEntry first = m.GetSwapPage();
        Assert.Equal(hi, first.Type);
        Assert.Equal(lo, m.GetSwapPage().Type); // hi is full and off the list
        Span<int> order = stackalloc int[4];
        Assert.Equal(1, m.SwapAvailOrder(order));
        m.PutSwapPage(first);                   // frees hi's slot: hi rejoins ahead of lo
        Assert.Equal(2, m.SwapAvailOrder(order));
        Assert.Equal(hi, order[0]);
        Assert.Equal(hi, m.GetSwapPage().Type);
    }
}
