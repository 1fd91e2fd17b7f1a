using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Swap;
using Xunit;

namespace ReclaimFast.Tests.Workingset;

/// <summary>
/// Page-cache behaviour under reclaim, driven by read(2)s (generic_file_buffered_read) and direct reclaim: use-once
/// streaming does not displace a working set on the active list, and thrashing reads are detected as refaults.
/// </summary>
public unsafe class StreamingTests
{
    private const ulong Ram = 16384;

    private static void Read(Machine m, File* f, ulong index)
    {
        for (int tries = 0; !m.FileReadPage(f, index); tries++)
        {
            Assert.True(tries < 20, "reclaim cannot make room for a page-cache read");
            AnonSwapTests.ReclaimSome(m);
        }
    }

    private static bool Cached(File* f, ulong index)
    {
        ulong e = f->FMapping->IPages.Load(index);
        return e != 0 && !XArray.IsValue(e);
    }

    private static bool HasShadow(File* f, ulong index) => XArray.IsValue(f->FMapping->IPages.Load(index));

    [Fact]
    public void StreamingReadOfTwiceRam_DoesNotEvictAHotWorkingSet()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, Ram));
        const ulong HotPages = 2000, StreamPages = 2 * Ram;
        File* hot = m.CreateFile(HotPages);
        File* stream = m.CreateFile(StreamPages);
        for (int pass = 0; pass < 2; pass++)           // read twice: mark_page_accessed activates
        {
            for (ulong i = 0; i < HotPages; i++)
                Read(m, hot, i);
        }
        m.LruAddDrain();
        Assert.Equal((long)HotPages, m.NodePageState(0, NodeStatItem.NrActiveFile));

        long hotMisses = 0;
        for (ulong i = 0; i < StreamPages; i++)
        {
            Read(m, stream, i);
            if (i % 2048 == 2047)
            {
                for (ulong h = 0; h < HotPages; h++)
                {
                    if (!Cached(hot, h))
                        hotMisses++;
                    Read(m, hot, h);
                }
            }
        }
        Assert.Equal(0, hotMisses);
        Assert.Equal(HotPages, hot->FMapping->NrPages);
        Assert.True(stream->FMapping->NrExceptional > Ram / 2, "the stream was not reclaimed");
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.WorkingsetRefault));   // use-once pages never come back
        m.CheckInvariants();
    }

    [Fact]
    public void LoopingReadSlightlyLargerThanRam_RefaultsAreDetected()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, Ram));
        ulong filePages = Ram + Ram / 16;
        File* f = m.CreateFile(filePages);
        long expectedRefaults = 0;
        for (int pass = 0; pass < 3; pass++)
        {
            for (ulong i = 0; i < filePages; i++)
            {
                if (HasShadow(f, i))
                    expectedRefaults++;                 // a miss on a slot that holds an eviction shadow
                Read(m, f, i);
            }
        }
        Assert.True(expectedRefaults > (long)filePages, $"only {expectedRefaults} refaulting reads");
        Assert.Equal(expectedRefaults, m.NodePageState(0, NodeStatItem.WorkingsetRefault));
        m.CheckInvariants();
    }

    [Fact]
    public void RefaultsWithinTheActiveListSize_AreActivated()
    {
        // An active list of 4000 pages, then a loop over a file that overflows what is left of memory by a little:
        // each refault's distance (evictions since its eviction) is far below the active list size, so refaulting
        // pages are activated (WORKINGSET_ACTIVATE) and, with refaults seen, the stale active list is deactivated.
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, Ram));
        const ulong Old = 4000;
        File* old = m.CreateFile(Old);
        for (int pass = 0; pass < 2; pass++)
        {
            for (ulong i = 0; i < Old; i++)
                Read(m, old, i);
        }
        ulong loopPages = Ram - Old;
        File* f = m.CreateFile(loopPages);
        for (int pass = 0; pass < 3; pass++)
        {
            for (ulong i = 0; i < loopPages; i++)
                Read(m, f, i);
        }
        Assert.True(m.NodePageState(0, NodeStatItem.WorkingsetRefault) > 0);
        Assert.True(m.NodePageState(0, NodeStatItem.WorkingsetActivate) > 0);
        Assert.True(old->FMapping->NrPages < Old, "the stale working set kept all its pages");
        m.CheckInvariants();
    }
}
