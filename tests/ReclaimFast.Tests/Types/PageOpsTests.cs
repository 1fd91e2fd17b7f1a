using System.Runtime.InteropServices;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Tests.Types;

/// <summary>page-flags.h / mm.h helper semantics on real native descriptors.</summary>
public sealed unsafe class PageOpsTests
{
    private static Page* NewPages(int n)
    {
        var p = (Page*)NativeMemory.AlignedAlloc((nuint)(n * sizeof(Page)), 64);
        NativeMemory.Clear(p, (nuint)(n * sizeof(Page)));
        for (int i = 0; i < n; i++)
            p[i].MapCount = -1;
        return p;
    }

    [Fact]
    public void FlagBitsAreTheKernelsBitNumbers()
    {
        Page* p = NewPages(1);
        try
        {
            SetPageLRU(p);
            __SetPageSwapBacked(p);
            SetPageActive(p);
            // PG_lru 4, PG_active 5, PG_swapbacked 19 (v5.4 enum pageflags)
            Assert.Equal((1UL << 4) | (1UL << 5) | (1UL << 19), p->Flags);
            Assert.True(TestClearPageActive(p));
            Assert.False(TestClearPageActive(p));
            Assert.False(PageSwapCache(p));
            SetPageSwapCache(p); // PG_owner_priv_1 = 10
            Assert.True(PageSwapCache(p));
            Assert.Equal(1UL << 10, p->Flags & (1UL << 10));
            ClearPageSwapBacked(p);
            Assert.False(PageSwapCache(p)); // PageSwapCache needs PG_swapbacked too
        }
        finally
        {
            NativeMemory.AlignedFree(p);
        }
    }

    [Fact]
    public void ZoneAndNodeLiveInTheTopBitsWithoutTouchingFlags()
    {
        Page* p = NewPages(1);
        try
        {
            SetPageReferenced(p);
            SetPageLinks(p, zone: 2, nid: 37);
            Assert.Equal(2, PageZonenum(p));
            Assert.Equal(37, PageToNid(p));
            Assert.True(PageReferenced(p));
            // NODES_PGSHIFT = 64 - 6, ZONES_PGSHIFT = 58 - 2
            Assert.Equal((37UL << 58) | (2UL << 56) | (1UL << 1), p->Flags);
            Assert.Equal(0UL, p->Flags & PageFlagsMask & ~(1UL << 1));
        }
        finally
        {
            NativeMemory.AlignedFree(p);
        }
    }

    [Fact]
    public void CompoundTailResolvesToHeadForPfHeadFlags()
    {
        Page* p = NewPages(4);
        try
        {
            __SetPageHead(p);
            p[1].CompoundOrder = 2;
            for (int i = 1; i < 4; i++)
                SetCompoundHead(&p[i], p);
            Assert.True(PageTail(&p[3]));
            Assert.True(CompoundHead(&p[3]) == p);
            Assert.Equal(4, CompoundNr(p));
            SetPageDirty(&p[2]); // PF_HEAD: lands on the head
            Assert.True(PageDirty(p));
            Assert.Equal(0UL, p[2].Flags & (1UL << (int)PG.Dirty));
            Assert.True(PageCompound(&p[1]) && PageCompound(p));
        }
        finally
        {
            NativeMemory.AlignedFree(p);
        }
    }

    [Fact]
    public void BuddyPageTypeClearsItsBitFromMinusOne()
    {
        Page* p = NewPages(1);
        try
        {
            Assert.False(PageBuddy(p));
            __SetPageBuddy(p);
            Assert.True(PageBuddy(p));
            Assert.Equal(0xffffff7fu, p->PageType); // kernel-reference §1: a free buddy page has _mapcount 0xffffff7f
            Assert.False(PageMapped(p) && !PageBuddy(p));
            __ClearPageBuddy(p);
            Assert.Equal(-1, p->MapCount);
        }
        finally
        {
            NativeMemory.AlignedFree(p);
        }
    }

    [Fact]
    public void MappingTagsDistinguishAnonFileAndMovable()
    {
        Page* p = NewPages(1);
        ulong* fakeObject = (ulong*)NativeMemory.AlignedAlloc(64, 64);
        try
        {
            p->Mapping = (ulong)fakeObject | PageMappingAnon;
            Assert.True(PageAnon(p));
            Assert.True(PageAnonVma(p) == fakeObject);
            Assert.True(PageRmapping(p) == fakeObject);
            Assert.True(PageMappingFile(p) == null);
            p->Mapping = (ulong)fakeObject;
            Assert.False(PageAnon(p));
            Assert.True(PageAnonVma(p) == null);
            Assert.True(PageMappingFile(p) == fakeObject);
            p->Mapping = (ulong)fakeObject | PageMappingMovable;
            Assert.True(__PageMovable(p));
            Assert.False(PageKsm(p));
        }
        finally
        {
            NativeMemory.AlignedFree(fakeObject);
            NativeMemory.AlignedFree(p);
        }
    }
}
