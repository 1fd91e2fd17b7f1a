using ReclaimFast.Mm.Memory;

namespace ReclaimFast.Tests.Memory;

/// <summary>Boots the small machines the process-memory and rmap tests use (one place to adapt to Machine's API).</summary>
internal static unsafe class MmTestMachine
{
    public const ulong Rw = VmFlags.Read | VmFlags.Write;
    public const ulong PageSize = 4096;

    public static Machine Create(long pages = 16384) => Machine.Boot(MachineDescription.Uniform(1, (ulong)pages));

    /// <summary>Page frames in use: refcount &gt; 0 and not PG_reserved (pcp lists make NR_FREE_PAGES inexact).</summary>
    public static long UsedPages(Machine m)
    {
        long n = 0;
        for (ulong pfn = 0; pfn < m.MaxPfn; pfn++)
        {
            ReclaimFast.Mm.Types.Page* p = m.PfnToPage(pfn);
            if (p->RefCount > 0 && !ReclaimFast.Mm.Types.PageOps.PageReserved(p))
                n++;
        }
        return n;
    }

    /// <summary>Maps <paramref name="pages"/> private anonymous read-write pages.</summary>
    public static ulong MmapAnon(Machine m, TaskStruct* t, ulong pages, ulong addr = 0, MapFlags extra = 0)
        => m.DoMmap(t, addr, pages * PageSize, Rw, MapFlags.Private | MapFlags.Anonymous | extra | (addr != 0 ? MapFlags.Fixed : 0));

    public static void Read(Machine m, TaskStruct* t, ulong addr) => Xunit.Assert.Equal(AccessResult.Ok, m.Access(t, addr, write: false));

    public static void Write(Machine m, TaskStruct* t, ulong addr) => Xunit.Assert.Equal(AccessResult.Ok, m.Access(t, addr, write: true));

    /// <summary>The PTE value mapping <paramref name="addr"/> (0 when no table).</summary>
    public static ulong PteOf(Machine m, TaskStruct* t, ulong addr)
    {
        ulong* pte = m.PteOffsetMap(t->Mm, addr);
        return pte == null ? 0 : *pte;
    }

    /// <summary>The page mapped at <paramref name="addr"/> (null if not present).</summary>
    public static ReclaimFast.Mm.Types.Page* PageAt(Machine m, TaskStruct* t, ulong addr)
    {
        ulong v = PteOf(m, t, addr);
        return Pte.PtePresent(v) ? m.PfnToPage(Pte.PtePfn(v)) : null;
    }
}
