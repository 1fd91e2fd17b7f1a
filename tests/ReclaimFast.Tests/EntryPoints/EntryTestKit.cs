using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Tests.Vmscan;

namespace ReclaimFast.Tests.EntryPoints;

/// <summary>Helpers for the entry-point tests.</summary>
internal static unsafe class EntryTestKit
{
    /// <summary>Free pages of a zone.</summary>
    public static long Free(Machine m, int nid, ZoneType z) => m.ZonePageState(nid, z, ZoneStatItem.NrFreePages);

    /// <summary>Adds <paramref name="n"/> page-cache pages (allocating on the current CPU's node) and drains the pagevecs.</summary>
    public static void FillPageCache(Machine m, long n, int nid = -1)
    {
        nint mapping = LruTestKit.FakeMapping(m, (ulong)n);
        for (long i = 0; i < n; i++)
        {
            Page* page = m.AllocPages(Gfp.HighUserMovable, 0, nid);
            if (page == null)
                throw new System.InvalidOperationException("allocation failed in test setup");
            m.AddToPageCacheLru(page, (Mm.Filemap.AddressSpace*)mapping, (ulong)i);
            PageOps.SetPageUptodate(page);
            PageOps.ClearPageLocked(page);
            m.PutPage(page);
        }
        m.LruAddDrain();
    }
}
