using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;
using ReclaimFast.Tests.Memory;
using Xunit;

namespace ReclaimFast.Tests.Memcontrol;

/// <summary>
/// page_referenced in memcg reclaim (v5.4 invalid_page_referenced_vma): a reference through a mapping of a task outside
/// the target cgroup's subtree does not count.
/// </summary>
public unsafe class PageReferencedMemcgTests
{
    [Fact]
    public void MemcgReclaim_IgnoresReferencesFromOtherCgroups()
    {
        using Machine m = MmTestMachine.Create();
        m.MemCgroupCreate("/a");
        m.MemCgroupCreate("/a/child");
        m.MemCgroupCreate("/b");
        TaskStruct* ta = m.CreateTask();
        m.MemCgroupAttachTaskStruct("/a/child", ta);
        TaskStruct* tb = m.CreateTask();
        m.MemCgroupAttachTaskStruct("/b", tb);
        File* f = m.CreateFile(1);
        m.CurrentTaskStruct = ta;
        ulong aa = m.DoMmap(ta, 0, MmTestMachine.PageSize, MmTestMachine.Rw, MapFlags.Shared, f, 0);
        MmTestMachine.Read(m, ta, aa);
        m.CurrentTaskStruct = tb;
        ulong ab = m.DoMmap(tb, 0, MmTestMachine.PageSize, MmTestMachine.Rw, MapFlags.Shared, f, 0);
        MmTestMachine.Read(m, tb, ab);
        Page* page = MmTestMachine.PageAt(m, ta, aa);
        Assert.Equal(2, m.PageReferencedRmap(page, false, out _));   // global: both young PTEs, both cleared
        MmTestMachine.Read(m, tb, ab);                                 // only /b's mapping is young now
        Assert.Equal(0, m.PageReferencedRmap(page, false, (nint)m.MemCgroupByPath("/a"), out _));
        Assert.Equal(1, m.PageReferencedRmap(page, false, (nint)m.MemCgroupByPath("/b"), out _));
        MmTestMachine.Read(m, ta, aa);                                 // /a/child is inside /a's subtree
        Assert.Equal(1, m.PageReferencedRmap(page, false, (nint)m.MemCgroupByPath("/a"), out _));
    }
}
