using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Tests.Memory.MmTestMachine;

namespace ReclaimFast.Tests.Filemap;

public unsafe class FileFaultTests
{
    [Fact]
    public void ReadFaultReadsInOnceThenHitsThePageCache()
    {
        using Machine m = Create();
        ReclaimFast.Mm.Filemap.File* f = m.CreateFile(8);
        TaskStruct* t1 = m.CreateTask();
        TaskStruct* t2 = m.CreateTask();
        ulong a1 = m.DoMmap(t1, 0, 8 * PageSize, VmFlags.Read, MapFlags.Private, f, 0);
        ulong a2 = m.DoMmap(t2, 0, 4 * PageSize, VmFlags.Read, MapFlags.Private, f, 4);
        long maj0 = m.VmEvent(ReclaimFast.Diagnostics.VmEventItem.Pgmajfault);
        Read(m, t1, a1 + 5 * PageSize);
        Assert.Equal(maj0 + 1, m.VmEvent(ReclaimFast.Diagnostics.VmEventItem.Pgmajfault));
        Assert.Equal(1L, m.IoJiffiesPending);
        Assert.Equal(1UL, f->FMapping->NrPages);
        Assert.Equal(1, m.NrFilePages);
        Read(m, t2, a2 + PageSize); // pgoff 4 + 1 = 5: the same page, from the cache
        Assert.Equal(maj0 + 1, m.VmEvent(ReclaimFast.Diagnostics.VmEventItem.Pgmajfault));
        Page* page = PageAt(m, t1, a1 + 5 * PageSize);
        Assert.True(page == PageAt(m, t2, a2 + PageSize));
        Assert.Equal(1, page->MapCount);
        m.LruAddDrain(); // the lru_add pagevec's reference goes
        Assert.Equal(3, page->RefCount); // cache + two PTEs
        Assert.Equal(5UL, page->Index);
        Assert.Equal(1, m.NrFileMapped);
        Assert.Equal(1, t1->Mm->RssStat[(int)MmCounter.FilePages]);
        Assert.Equal(Machine.FileToken(f->FInode->Ino, 5), m.ContentToken[m.PageToPfn(page)]);
        m.CheckInvariants();
        m.Exit(t1);
        m.Exit(t2);
        Assert.Equal(0, m.NrFileMapped);
        m.LruAddDrain(); // zap's mark_page_accessed queued it for activation: that pagevec's reference goes
        Assert.True(PageOps.PageActive(page)); // young PTEs in two VMAs: accessed twice → active
        Assert.Equal(1, page->RefCount); // the page cache keeps it
    }

    [Fact]
    public void PrivateWriteCowsSharedWriteIsSeenByOtherMappings()
    {
        using Machine m = Create();
        ReclaimFast.Mm.Filemap.File* f = m.CreateFile(2);
        TaskStruct* priv = m.CreateTask();
        TaskStruct* sh1 = m.CreateTask();
        TaskStruct* sh2 = m.CreateTask();
        ulong ap = m.DoMmap(priv, 0, 2 * PageSize, Rw, MapFlags.Private, f, 0);
        ulong s1 = m.DoMmap(sh1, 0, 2 * PageSize, Rw, MapFlags.Shared, f, 0);
        ulong s2 = m.DoMmap(sh2, 0, 2 * PageSize, Rw, MapFlags.Shared, f, 0);

        Read(m, priv, ap);             // maps the cache page read-only
        Write(m, priv, ap);            // do_wp_page → wp_page_copy: now anon
        Page* cow = PageAt(m, priv, ap);
        Assert.True(PageOps.PageAnon(cow));
        Assert.Equal(1, priv->Mm->RssStat[(int)MmCounter.AnonPages]);
        Assert.Equal(0, priv->Mm->RssStat[(int)MmCounter.FilePages]);

        Read(m, sh1, s1);              // writenotify: mapped read-only
        Assert.False(Pte.PteWrite(PteOf(m, sh1, s1)));
        Write(m, sh1, s1);             // wp_page_shared: dirty, writable, same page
        Page* cached = PageAt(m, sh1, s1);
        Assert.True(PageOps.PageDirty(cached) && !PageOps.PageAnon(cached));
        Read(m, sh2, s2);              // sees sh1's write (the token check would throw otherwise)
        Write(m, sh2, s2 + PageSize);  // do_shared_fault: writable at once
        Read(m, sh1, s1 + PageSize);
        Read(m, priv, ap);             // the private copy keeps its own write
        Read(m, priv, ap + PageSize);  // not COWed yet: sees the shared write (Linux semantics)
        m.CheckInvariants();
        m.Exit(priv);
        m.Exit(sh1);
        m.Exit(sh2);
        Assert.Equal(2UL, f->FMapping->NrPages);
    }

    [Fact]
    public void FaultBeyondEndOfFileIsSigbus()
    {
        using Machine m = Create();
        ReclaimFast.Mm.Filemap.File* f = m.CreateFile(1);
        TaskStruct* t = m.CreateTask();
        ulong a = m.DoMmap(t, 0, 2 * PageSize, VmFlags.Read, MapFlags.Private, f, 0);
        Read(m, t, a);
        Assert.Equal(AccessResult.BusError, m.Access(t, a + PageSize, write: false));
        m.Exit(t);
    }

    [Fact]
    public void EvictionLeavesShadowThatRefaultReplaces()
    {
        using Machine m = Create();
        ReclaimFast.Mm.Filemap.File* f = m.CreateFile(4);
        TaskStruct* t = m.CreateTask();
        ulong a = m.DoMmap(t, 0, 4 * PageSize, VmFlags.Read, MapFlags.Private, f, 0);
        Read(m, t, a + 2 * PageSize);
        Page* page = PageAt(m, t, a + 2 * PageSize);
        long filePages = m.NrFilePages;

        // What reclaim does with a clean file page: unmap it, then __remove_mapping with a shadow entry.
        PageOps.GetPage(page);
        PageOps.__SetPageLocked(page);
        m.PageReferencedRmap(page, isLocked: true, out _);
        Assert.True(m.TryToUnmap(page, ReclaimFast.Mm.Rmap.TtuFlags.None));
        ulong shadow = ReclaimFast.Mm.Filemap.XArray.MkValue(12345);
        m.__DeleteFromPageCache(page, shadow);
        PageOps.__ClearPageLocked(page);
        m.PutPage(page); // the cache's reference
        m.PutPage(page); // ours: freed
        Assert.Equal(0UL, f->FMapping->NrPages);
        Assert.Equal(1UL, f->FMapping->NrExceptional);
        Assert.Equal(filePages - 1, m.NrFilePages);
        Assert.Equal(shadow, f->FMapping->IPages.Load(2));

        // The refault reads the page in again (major fault) and the shadow gives way to it.
        long maj = m.VmEvent(ReclaimFast.Diagnostics.VmEventItem.Pgmajfault);
        Read(m, t, a + 2 * PageSize); // the token check proves the file's content came back
        Assert.Equal(maj + 1, m.VmEvent(ReclaimFast.Diagnostics.VmEventItem.Pgmajfault));
        Assert.Equal(1UL, f->FMapping->NrPages);
        Assert.Equal(0UL, f->FMapping->NrExceptional);
        m.CheckInvariants();
        m.Exit(t);
    }
}
