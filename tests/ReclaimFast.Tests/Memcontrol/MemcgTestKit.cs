using ReclaimFast.Mm.Memory;
using ReclaimFast.Tests.Vmscan;
using Xunit;

namespace ReclaimFast.Tests.Memcontrol;

/// <summary>Helpers for the memcg tests: a process in a group touching anonymous pages.</summary>
internal static unsafe class MemcgTestKit
{
    public const ulong Page = 4096;

    public static Machine Machine(ulong pages = 16384, ulong swapPages = 0)
    {
        Machine m = LruTestKit.Small(pages);
        if (swapPages != 0)
            m.SwapOn(swapPages);
        return m;
    }

    /// <summary>A process attached to <paramref name="path"/> with <paramref name="pages"/> of private anon memory mapped.</summary>
    public static TaskStruct* Process(Machine m, string path, ulong pages, out ulong addr)
    {
        TaskStruct* t = m.CreateTask();
        m.MemCgroupAttachTaskStruct(path, t);
        addr = m.DoMmap(t, 0, pages * Page, VmFlags.Read | VmFlags.Write, MapFlags.Private | MapFlags.Anonymous);
        return t;
    }

    /// <summary>Writes pages [from, to) of the mapping as the current task; returns the first failing result.</summary>
    public static AccessResult Touch(Machine m, TaskStruct* t, ulong addr, ulong from, ulong to)
    {
        m.CurrentTaskStruct = t;
        for (ulong i = from; i < to; i++)
        {
            AccessResult r = m.Access(t, addr + i * Page, write: true);
            if (r != AccessResult.Ok)
                return r;
        }
        return AccessResult.Ok;
    }

    public static long Pages(Machine m, string path) => (long)(m.MemCgroupMemoryCurrent(path) / Page);

    public static void Ok(AccessResult r) => Assert.Equal(AccessResult.Ok, r);
}
