using System;
using System.Collections.Generic;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Tests.Memory.MmTestMachine;

namespace ReclaimFast.Tests.Rmap;

/// <summary>
/// Seeded random sequences of mmap / access / fork / munmap / exit / mlock / munlock / page_referenced /
/// try_to_unmap (file pages, and anon pages swapped out whole), with <see cref="RmapChecker"/> after every step.
/// Reads verify content tokens, so a COW, page-cache or fork bug that mixes data up throws.
/// </summary>
public unsafe class RandomSequenceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void InvariantsHoldAfterEveryStep(int seed)
    {
        using Machine m = Create(16384);
        m.SwapOn(512);
        var rng = new Random(seed);
        var files = new List<nint>();
        for (int i = 0; i < 3; i++)
            files.Add((nint)m.CreateFile(24));
        var tasks = new List<nint> { (nint)m.CreateTask() };
        int accesses = 0, forks = 0, swappedOut = 0, fileUnmaps = 0;

        for (int step = 0; step < 600; step++)
        {
            var t = (TaskStruct*)tasks[rng.Next(tasks.Count)];
            int op = rng.Next(100);
            if (op < 12)
            {
                ulong pages = (ulong)rng.Next(1, 24);
                int kind = rng.Next(4);
                if (kind == 0)
                {
                    MmapAnon(m, t, pages);
                }
                else if (kind == 3)
                {
                    // MAP_FIXED over whatever is there (mmap_region unmaps the old range first).
                    if (PickAddress(t, rng, out ulong addr, out _))
                        MmapAnon(m, t, pages, addr);
                }
                else
                {
                    ulong pgoff = (ulong)rng.Next(0, 8);
                    var f = (ReclaimFast.Mm.Filemap.File*)files[rng.Next(files.Count)];
                    m.DoMmap(t, 0, pages * PageSize, Rw, kind == 1 ? MapFlags.Private : MapFlags.Shared, f, pgoff);
                }
            }
            else if (op < 62)
            {
                if (PickAddress(t, rng, out ulong addr, out _))
                {
                    // Swapped-out pages need do_swap_page (the swap issue); leave them alone.
                    ulong pte = PteOf(m, t, addr);
                    if (!Pte.IsSwapPte(pte))
                    {
                        AccessResult r = m.Access(t, addr, write: rng.Next(2) == 0);
                        Assert.True(r is AccessResult.Ok or AccessResult.BusError, r.ToString());
                        accesses++;
                    }
                }
            }
            else if (op < 68)
            {
                if (tasks.Count < 10)
                {
                    tasks.Add((nint)m.Fork(t));
                    forks++;
                }
            }
            else if (op < 76)
            {
                if (PickAddress(t, rng, out ulong addr, out _))
                    m.DoMunmap(t->Mm, addr, (ulong)rng.Next(1, 40) * PageSize); // may span several VMAs and gaps
            }
            else if (op < 80)
            {
                m.Exit(t);
                tasks.Remove((nint)t);
                if (tasks.Count == 0)
                    tasks.Add((nint)m.CreateTask());
            }
            else if (op < 86)
            {
                if (PickAddress(t, rng, out ulong addr, out VmAreaStruct* vma))
                {
                    ulong end = Math.Min(vma->VmEnd, addr + (ulong)rng.Next(1, 6) * PageSize);
                    bool lockIt = rng.Next(3) != 0;
                    if (!lockIt || !HasSwapPte(m, t, addr, end))
                        m.DoMlock(t, addr, end - addr, lockIt);
                }
            }
            else if (op < 89)
            {
                Page* page = PickMappedPage(m, t, rng);
                if (page != null)
                    m.PageReferencedRmap(page, isLocked: false, out _);
            }
            else
            {
                Page* page = PickMappedPage(m, t, rng);
                if (page != null)
                {
                    if (Unmap(m, page))
                        swappedOut++;
                    else
                        fileUnmaps++;
                }
            }
            m.CheckInvariants();
        }

        // The sequence really exercised the paths (else the invariants above prove little).
        Assert.True(accesses > 100 && forks > 5 && swappedOut > 3 && fileUnmaps > 3, $"{accesses} accesses, {forks} forks, {swappedOut} swap-outs, {fileUnmaps} file unmaps");
        foreach (nint tp in tasks)
            m.Exit((TaskStruct*)tp);
        m.CheckInvariants();
        Assert.Equal(0, m.NrPageTablePages);
        Assert.Equal(0, m.NrAnonMapped);
        Assert.Equal(0, m.NrFileMapped);
        Assert.Equal(0, m.MmObjectsInUse);
        Assert.Equal(m.TotalSwapPages, m.NrSwapPages);
    }

    /// <summary>Reclaim's unmap of one page: file pages just lose their PTEs; anon pages go to swap whole.</summary>
    private static bool Unmap(Machine m, Page* page)
    {
        bool anon = PageOps.PageAnon(page);
        PageOps.GetPage(page);
        PageOps.__SetPageLocked(page);
        if (PageOps.PageAnon(page))
        {
            if (m.AddToSwap(page))
            {
                Assert.True(m.TryToUnmap(page, TtuFlags.IgnoreAccess | TtuFlags.IgnoreMlock));
                m.SwapWriteToken(page);           // pageout → swap_writepage
                PageOps.ClearPageDirty(page);
                m.DeleteFromSwapCache(page);      // __remove_mapping
            }
        }
        else
        {
            m.PageReferencedRmap(page, isLocked: true, out _);
            m.TryToUnmap(page, TtuFlags.None);
        }
        PageOps.__ClearPageLocked(page);
        m.PutPage(page);
        return anon;
    }

    private static bool PickAddress(TaskStruct* t, Random rng, out ulong addr, out VmAreaStruct* vma)
    {
        addr = 0;
        vma = null;
        int n = t->Mm->MapCount;
        if (n == 0)
            return false;
        int k = rng.Next(n);
        vma = t->Mm->Mmap;
        while (k-- > 0)
            vma = vma->VmNext;
        addr = vma->VmStart + (ulong)rng.Next((int)vma->Pages) * PageSize;
        return true;
    }

    private static Page* PickMappedPage(Machine m, TaskStruct* t, Random rng)
    {
        for (int tries = 0; tries < 4; tries++)
        {
            if (PickAddress(t, rng, out ulong addr, out _))
            {
                Page* p = PageAt(m, t, addr);
                if (p != null)
                    return p;
            }
        }
        return null;
    }

    private static bool HasSwapPte(Machine m, TaskStruct* t, ulong start, ulong end)
    {
        for (ulong a = start; a < end; a += PageSize)
        {
            if (Pte.IsSwapPte(PteOf(m, t, a)))
                return true;
        }
        return false;
    }
}
