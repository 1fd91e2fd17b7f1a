using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using ReclaimFast.Tests.Swap;
using Xunit;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Tests.Filemap;

/// <summary>
/// write(2) of whole pages (generic_perform_write): v5.4 grab_cache_page_write_begin uses FGP_LOCK|FGP_WRITE|FGP_CREAT
/// (no FGP_ACCESSED, and a miss allocates with __GFP_WRITE), write_end dirties the page through set_page_dirty.
/// </summary>
public unsafe class FileWriteTests
{
    private static Page* Cached(File* f, ulong index)
    {
        ulong e = f->FMapping->IPages.Load(index);
        return e == 0 || XArray.IsValue(e) ? null : (Page*)e;
    }

    [Fact]
    public void WriteOfAnUncachedPage_DirtiesIt_WithoutActivating_AndReadsBack()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        File* f = m.CreateFile(64);
        ulong before = f->FInode->Token[3];
        Assert.True(m.FileWritePage(f, 3));
        m.LruAddDrain();
        Page* page = Cached(f, 3);
        Assert.True(page != null);
        Assert.True(PageDirty(page) && PageUptodate(page) && PageLRU(page));
        Assert.False(PageActive(page));       // no mark_page_accessed on the write path
        Assert.False(PageReferenced(page));
        Assert.False(PageLocked(page));
        Assert.Equal(1, page->RefCount);      // only the page cache's reference is left
        Assert.NotEqual(before, f->FInode->Token[3]);
        // account_page_dirtied: NR_FILE_DIRTY and NR_DIRTIED
        Assert.Equal(1, m.NodePageState(0, NodeStatItem.NrFileDirty));
        Assert.Equal(1, m.NodePageState(0, NodeStatItem.NrDirtied));
        // Writing it again does not dirty it twice; reading checks the token.
        Assert.True(m.FileWritePage(f, 3));
        Assert.Equal(1, m.NodePageState(0, NodeStatItem.NrFileDirty));
        Assert.True(m.FileReadPage(f, 3));
        m.CheckInvariants();
    }

    [Fact]
    public void WriteOverAShadow_IsNotARefault_WhileAReadOverAShadowIs()
    {
        const ulong Ram = 4096;
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, Ram));
        File* f = m.CreateFile(2 * Ram);
        for (ulong i = 0; i < 2 * Ram; i++)
        {
            for (int tries = 0; !m.FileReadPage(f, i); tries++)
            {
                Assert.True(tries < 20, "reclaim cannot make room for a page-cache read");
                AnonSwapTests.ReclaimSome(m);
            }
        }
        Assert.True(XArray.IsValue(f->FMapping->IPages.Load(0)), "streaming twice RAM leaves a shadow at page 0");
        Assert.True(XArray.IsValue(f->FMapping->IPages.Load(1)));
        long refaults = m.NodePageState(0, NodeStatItem.WorkingsetRefault);

        // __GFP_WRITE: add_to_page_cache_lru skips workingset_refault.
        while (!m.FileWritePage(f, 0))
            AnonSwapTests.ReclaimSome(m);
        Assert.Equal(refaults, m.NodePageState(0, NodeStatItem.WorkingsetRefault));
        Assert.True(Cached(f, 0) != null);

        // A read of the neighbouring shadow is a refault (WORKINGSET_REFAULT + 1).
        while (!m.FileReadPage(f, 1))
            AnonSwapTests.ReclaimSome(m);
        Assert.Equal(refaults + 1, m.NodePageState(0, NodeStatItem.WorkingsetRefault));
        m.CheckInvariants();
    }
}

/// <summary>
/// The file's content has two homes, as on a machine: the page cache and the backing device. A read-in brings the
/// device's copy (set when ->writepage is submitted), so a dirty page that leaves the cache without writeback is
/// caught as data loss at the next read, and one written back comes back intact.
/// </summary>
public unsafe class FileWritebackTokenTests
{
    private static Page* Lock(Machine m, File* f, ulong index)
    {
        Page* page = Machine.FindGetPage(f->FMapping, index);
        Assert.True(page != null);
        Assert.False(TestSetPageLocked(page));
        return page;
    }

    [Fact]
    public void WrittenBackPage_EvictedAndReadAgain_KeepsTheWrite()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        File* f = m.CreateFile(8);
        Assert.True(m.FileWritePage(f, 2));
        m.LruAddDrain(); // the lru_add pagevec holds a reference until drained; pageout needs cache + ours only
        ulong written = f->FInode->Token[2];
        Page* page = Lock(m, f, 2);
        ScanControl sc = default;
        Assert.Equal(PageoutResult.Success, m.Pageout(page, (nint)f->FMapping, &sc)); // unlocks after ->writepage
        Assert.Equal(written, f->FInode->DiskToken[2]);
        m.CompletePendingIo();
        m.PutPage(page);
        Assert.True(m.TruncateInodeIndex(f->FMapping, 2)); // clean now: dropped from the cache
        Assert.True(m.FileReadPage(f, 2));                  // read-in from the device: the write is there
    }

    [Fact]
    public void DirtyPageDroppedWithoutWriteback_IsDetectedAtTheNextRead()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        File* f = m.CreateFile(8);
        Assert.True(m.FileWritePage(f, 5));
        Page* page = Lock(m, f, 5);
        Assert.True(m.ClearPageDirtyForIo(page));           // a buggy path: clean it without ->writepage
        ClearPageLocked(page);
        m.PutPage(page);
        Assert.True(m.TruncateInodeIndex(f->FMapping, 5));
        Assert.Throws<DataLossException>(() => m.FileReadPage(f, 5));
    }
}

/// <summary>
/// Writes in flight complete oldest first (the block layer's FIFO completion the emulator models), also when more
/// are in flight than the pending-I/O ring first held (it starts small and doubles).
/// </summary>
public unsafe class PendingIoOrderTests
{
    [Fact]
    public void TwoHundredWritesInFlight_CompleteInSubmissionOrder()
    {
        const int N = 200; // > 64 and > 128: the ring grows twice with writes in flight
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        File* f = m.CreateFile(N);
        for (ulong i = 0; i < N; i++)
            Assert.True(m.FileWritePage(f, i));
        m.LruAddDrain();
        var pages = new nint[N];
        for (int i = 0; i < N; i++)
        {
            Page* page = Machine.FindGetPage(f->FMapping, (ulong)i);
            Assert.False(TestSetPageLocked(page));
            ScanControl sc = default;
            Assert.Equal(PageoutResult.Success, m.Pageout(page, (nint)f->FMapping, &sc));
            m.PutPage(page);
            pages[i] = (nint)page;
            if (i == 59)
                Assert.Equal(10, m.CompletePendingIo(10)); // the ring's head moves: later growth copies a wrapped ring
        }
        Assert.Equal(N - 10, m.PendingIoCount);
        Assert.Equal(5, m.CompletePendingIo(5));
        for (int i = 0; i < N; i++)
            Assert.Equal(i >= 15, PageWriteback((Page*)pages[i])); // the next oldest, across the wrapped growth
        Assert.Equal(65, m.CompletePendingIo(65));
        for (int i = 0; i < N; i++)
            Assert.Equal(i >= 80, PageWriteback((Page*)pages[i])); // exactly the 80 oldest have completed
        Assert.Equal(N - 80, m.CompletePendingIo());
        for (int i = 0; i < N; i++)
            Assert.False(PageWriteback((Page*)pages[i]));
        m.CheckInvariants();
    }
}
