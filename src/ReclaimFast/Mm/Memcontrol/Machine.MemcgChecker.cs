using System.Collections.Generic;
using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// CONFIG_DEBUG_VM in spirit for memcg: O(mem_map + swap slots); tests and the stress harness only.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// Checks the memcg invariants: every page->mem_cgroup names a live group (LRU placement is checked by
    /// <see cref="CheckLruInvariants"/>); free pages are uncharged; for every group, memory usage equals the pages
    /// charged to it and its descendants plus their per-cpu stock (swap usage: the swap slots recorded for them);
    /// a parent's usage is at least the sum of its children's; the root's counter is the sum of the top level's.
    /// Returns null when consistent, else the first violation.
    /// </summary>
    internal string? CheckMemcgInvariants()
    {
        if (_rootMemCgroup == null)
            return null;
        var charged = new Dictionary<nint, long>();
        var swapped = new Dictionary<int, long>();
        for (MemCgroup* pos = _rootMemCgroup; pos != null; pos = CssNextDescendantPre(pos, _rootMemCgroup))
            charged[(nint)pos] = MemcgStockPages(pos);
        for (ulong pfn = 0; pfn < _memMapPfns; pfn++)
        {
            Page* page = PfnToPage(pfn);
            if (page->MemCgroup == 0)
                continue;
            if (!charged.ContainsKey((nint)page->MemCgroup))
                return $"pfn {pfn} charged to memcg {page->MemCgroup:x}, which is not in the hierarchy";
            if (page->RefCount <= 0 && !PageTail(page))
                return $"pfn {pfn} is free but charged to memcg {page->MemCgroup:x}";
            if (!PageTail(page))
                charged[(nint)page->MemCgroup] += CompoundNr(page);
        }
        if (_swapCgroup != null)
        {
            for (int type = 0; type < _swapCgroup.Length; type++)
            {
                ushort* map = _swapCgroup[type];
                if (map == null)
                    continue;
                Mm.Swap.SwapInfoStruct* si = SwapInfo(type);
                for (ulong off = 0; off < si->Max; off++)
                {
                    if (map[off] != 0)
                    {
                        swapped.TryGetValue(map[off], out long n);
                        swapped[map[off]] = n + 1;
                    }
                }
            }
        }
        for (MemCgroup* pos = _rootMemCgroup; pos != null; pos = CssNextDescendantPre(pos, _rootMemCgroup))
        {
            long sum = 0, swapSum = 0, childSum = 0;
            for (MemCgroup* d = pos; d != null; d = CssNextDescendantPre(d, pos))
            {
                if (d == _rootMemCgroup)
                    continue;
                sum += charged[(nint)d];
                swapped.TryGetValue(d->Id, out long s);
                swapSum += s;
            }
            for (ListHead* c = pos->Children.Next; c != &pos->Children; c = c->Next)
                childSum += FromSibling(c)->Memory.Usage;
            if (pos->Memory.Usage != sum)
                return $"memcg id {pos->Id}: memory usage {pos->Memory.Usage} but {sum} pages charged (incl. stock) in its subtree";
            if (pos->Swap.Usage != swapSum)
                return $"memcg id {pos->Id}: swap usage {pos->Swap.Usage} but {swapSum} swap slots recorded in its subtree";
            if (pos->Memory.Usage < childSum)
                return $"memcg id {pos->Id}: usage {pos->Memory.Usage} below its children's sum {childSum}";
        }
        return null;
    }
}
