using System;
using Xunit;

namespace ReclaimFast.Tests.Infrastructure;

/// <summary>Helpers for zero-GC-allocation tests (TOOLCHAIN.md: exact after one warm-up call).</summary>
public static class AllocationAssert
{
    /// <summary>Runs <paramref name="warmup"/> once, then asserts <paramref name="measured"/> allocates 0 bytes on this thread.</summary>
    public static void ZeroAllocations(Action warmup, Action measured)
    {
        warmup();
        long before = GC.GetAllocatedBytesForCurrentThread();
        measured();
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
    }
}
