using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Swap;
using static ReclaimFast.Mm.Swap.SwapInfoStruct;

namespace ReclaimFast;

// Swap devices and slot accounting (mm/swapfile.c), the minimal part the reverse map needs; the swap issue
// adds the swap cache, clusters, the slot cache and I/O on top of these names.
public sealed unsafe partial class Machine
{
    /// <summary>-ENOENT.</summary>
    internal const int ENOENT = 2;
    /// <summary>-ENOMEM.</summary>
    internal const int ENOMEM = 12;
    /// <summary>-EEXIST.</summary>
    internal const int EEXIST = 17;
    /// <summary>-EINVAL.</summary>
    internal const int EINVAL = 22;

    private SwapInfoStruct** _swapInfo;
    private int _nrSwapfiles;

    // swap_avail_heads: the devices with free slots, highest priority first, equal priorities in the order
    // they were (re)queued. One list for all nodes: emulated devices have no block-device node (swap_node is
    // NUMA_NO_NODE), so every node's list has the same order.
    private int* _swapAvail;
    private int _nrSwapAvail;
    private int _leastPriority = -1; // least_priority: a device without a priority gets --least_priority

    /// <summary><c>nr_swap_pages</c>: free swap slots over all devices.</summary>
    internal long NrSwapPages;

    /// <summary><c>total_swap_pages</c>.</summary>
    internal long TotalSwapPages;

    /// <summary><c>nr_swapfiles</c>.</summary>
    internal int NrSwapfiles => _nrSwapfiles;

    /// <summary><c>swap_info[type]</c>.</summary>
    internal SwapInfoStruct* SwapInfo(int type) => (uint)type < (uint)_nrSwapfiles ? _swapInfo[type] : null;

    /// <summary>
    /// <c>swapon</c> reduced to its accounting (<c>setup_swap_map_and_extents</c>, <c>enable_swap_info</c>):
    /// a device of <paramref name="maxPages"/> slots whose slot 0 is the header. Returns the swap type.
    /// </summary>
    /// <remarks>
    /// <paramref name="prio"/> ≥ 0 is the swapon priority (SWAP_FLAG_PREFER); a negative value asks for the
    /// default, <c>--least_priority</c> (−2, −3, … in swapon order), as <c>setup_swap_info</c> assigns it.
    /// </remarks>
    internal int SwapOn(ulong maxPages, int prio = -1)
    {
        EnsureMmState();
        if (maxPages < 2)
            throw new System.ArgumentOutOfRangeException(nameof(maxPages), maxPages, "a swap device needs the header slot and at least one more");
        if (_nrSwapfiles >= SwpEntry.MaxSwapfiles)
            throw new System.InvalidOperationException($"swapon: MAX_SWAPFILES ({SwpEntry.MaxSwapfiles}) devices already active");
        SwapInfoStruct* si = Heap.AllocOne<SwapInfoStruct>();
        si->Type = _nrSwapfiles;
        si->Prio = prio >= 0 ? prio : --_leastPriority;
        si->Max = maxPages;
        si->SwapMap = Heap.AllocArray<byte>((long)maxPages);
        si->SlotToken = Heap.AllocArray<ulong>((long)maxPages);
        si->SwapMap[0] = SwapMapBad;
        si->LowestBit = 1;
        si->HighestBit = maxPages - 1;
        si->Pages = maxPages - 1;
        si->Flags = SwpUsed | SwpWriteOk;
        _swapInfo[_nrSwapfiles++] = si;
        AddToAvailList(si);
        NrSwapPages += (long)si->Pages;
        TotalSwapPages += (long)si->Pages;
        return si->Type;
    }

    /// <summary><c>swp_swap_info</c> with <c>__swap_info_get</c>'s validity checks: null for a bad type or offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal SwapInfoStruct* SwapInfoGet(SwpEntry entry)
    {
        int type = entry.Type;
        if ((uint)type >= (uint)_nrSwapfiles)
            return null;
        SwapInfoStruct* si = _swapInfo[type];
        return entry.Offset < si->Max ? si : null;
    }

    /// <summary>
    /// <c>get_swap_page</c> → <c>get_swap_pages</c> for an order-0 page: one slot with <c>swap_map =
    /// SWAP_HAS_CACHE</c>, or the null entry when swap is full. The device is the first on the avail list
    /// (highest priority), requeued behind the others of its priority first (<c>plist_requeue</c>), so equal
    /// priorities take turns. Simplification: v5.4's per-cpu cluster allocator, slot cache and cluster_next
    /// scan position are not modelled; a device gives its lowest free slot.
    /// </summary>
    internal SwpEntry GetSwapPage()
    {
        if (NrSwapPages <= 0 || _nrSwapAvail == 0)
            return default;
        SwapInfoStruct* si = _swapInfo[_swapAvail[0]];
        RequeueAvail(0);
        for (ulong off = si->LowestBit; off <= si->HighestBit; off++)
        {
            if (si->SwapMap[off] != 0)
                continue;
            si->SwapMap[off] = SwapHasCache;
            SwapRangeAlloc(si, off);
            NrSwapPages--;
            return SwpEntry.Make(si->Type, off);
        }
        System.Diagnostics.Debug.Fail("a device on the avail list has no free slot");
        return default;
    }

    /// <summary><c>add_to_avail_list</c>: <c>plist_add</c> behind every device of higher or equal priority.</summary>
    private void AddToAvailList(SwapInfoStruct* si)
    {
        if ((si->Flags & SwpWriteOk) == 0 || si->InusePages == si->Pages)
            return;
        int i = _nrSwapAvail;
        while (i > 0 && _swapInfo[_swapAvail[i - 1]]->Prio < si->Prio)
        {
            _swapAvail[i] = _swapAvail[i - 1];
            i--;
        }
        _swapAvail[i] = si->Type;
        _nrSwapAvail++;
    }

    /// <summary><c>del_from_avail_list</c>.</summary>
    private void DelFromAvailList(SwapInfoStruct* si)
    {
        for (int i = 0; i < _nrSwapAvail; i++)
        {
            if (_swapAvail[i] != si->Type)
                continue;
            for (int j = i + 1; j < _nrSwapAvail; j++)
                _swapAvail[j - 1] = _swapAvail[j];
            _nrSwapAvail--;
            return;
        }
    }

    /// <summary><c>plist_requeue</c>: move entry <paramref name="index"/> behind the last entry of equal priority.</summary>
    private void RequeueAvail(int index)
    {
        int type = _swapAvail[index];
        int prio = _swapInfo[type]->Prio;
        int i = index;
        while (i + 1 < _nrSwapAvail && _swapInfo[_swapAvail[i + 1]]->Prio == prio)
        {
            _swapAvail[i] = _swapAvail[i + 1];
            i++;
        }
        _swapAvail[i] = type;
    }

    /// <summary>The swap types on the avail list, in allocation order (tests, reports).</summary>
    internal int SwapAvailOrder(System.Span<int> types)
    {
        int n = System.Math.Min(types.Length, _nrSwapAvail);
        for (int i = 0; i < n; i++)
            types[i] = _swapAvail[i];
        return _nrSwapAvail;
    }

    /// <summary><c>swap_range_alloc</c> for one slot; a device that fills up leaves the avail list.</summary>
    private void SwapRangeAlloc(SwapInfoStruct* si, ulong offset)
    {
        if (offset == si->LowestBit)
            si->LowestBit++;
        if (offset == si->HighestBit)
            si->HighestBit--;
        ulong inuse = si->InusePages + 1;
        si->InusePages = inuse;
        if (inuse == si->Pages)
        {
            si->LowestBit = si->Max;
            si->HighestBit = 0;
            DelFromAvailList(si);
        }
    }

    /// <summary><c>swap_range_free</c> for one slot.</summary>
    private void SwapRangeFree(SwapInfoStruct* si, ulong offset)
    {
        if (offset < si->LowestBit)
            si->LowestBit = offset;
        if (offset > si->HighestBit)
            si->HighestBit = offset;
        NrSwapPages++;
        bool wasFull = si->InusePages == si->Pages;
        si->InusePages--;
        if (wasFull)
            AddToAvailList(si); // swap_range_free: a full device with a free slot rejoins the avail list
    }

    /// <summary>
    /// <c>__swap_duplicate</c> (mm/swapfile.c): add <paramref name="usage"/> (1 or SWAP_HAS_CACHE) to a slot.
    /// Returns 0 or a negative errno (−ENOENT unused slot, −EEXIST cache already set, −EINVAL bad, −ENOMEM
    /// needs a count continuation).
    /// </summary>
    internal int __SwapDuplicate(SwpEntry entry, byte usage)
    {
        SwapInfoStruct* p = SwapInfoGet(entry);
        if (p == null)
            return -EINVAL;
        ulong offset = entry.Offset;
        byte count = (byte)(p->SwapMap[offset] & ~SwapHasCache);
        byte hasCache = (byte)(p->SwapMap[offset] & SwapHasCache);
        int err = 0;
        if (count == SwapMapBad)
            return -ENOENT;
        if (usage == SwapHasCache)
        {
            if (hasCache == 0 && count != 0)
                hasCache = SwapHasCache;
            else if (hasCache != 0)
                err = -EEXIST;
            else
                err = -ENOENT;
        }
        else if (count != 0 || hasCache != 0)
        {
            int low = count & ~CountContinued;
            if (low < SwapMapMax)
                count += usage;
            else if (low > SwapMapMax)
                err = -EINVAL;
            else if (SwapCountContinued(p, offset, count))
                count = CountContinued;
            else
                err = -ENOMEM;
        }
        else
        {
            err = -ENOENT;
        }
        p->SwapMap[offset] = (byte)(count | hasCache);
        return err;
    }

    /// <summary><c>swap_duplicate</c>: one more reference (a PTE) to a slot, adding a count continuation when needed.</summary>
    internal int SwapDuplicate(SwpEntry entry)
    {
        int err = 0;
        while (err == 0 && __SwapDuplicate(entry, 1) == -ENOMEM)
            err = AddSwapCountContinuation(entry);
        return err;
    }

    /// <summary><c>swapcache_prepare</c>: take SWAP_HAS_CACHE on a slot that has references.</summary>
    internal int SwapcachePrepare(SwpEntry entry) => __SwapDuplicate(entry, SwapHasCache);

    /// <summary>
    /// <c>add_swap_count_continuation</c>: make room for a higher count digit. Simplification: adds one
    /// device-wide level (a native byte per slot) instead of a buddy page per <c>swap_map</c> page.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int AddSwapCountContinuation(SwpEntry entry)
    {
        SwapInfoStruct* si = SwapInfoGet(entry);
        if (si == null)
            return -EINVAL;
        // The count may have dropped meanwhile (the kernel's recheck); then nothing is needed.
        if ((si->SwapMap[entry.Offset] & ~(SwapHasCache | CountContinued)) != SwapMapMax)
            return 0;
        if (si->ContLevels == MaxContLevels)
            return -ENOMEM;
        si->Cont[si->ContLevels++] = (ulong)Heap.AllocArray<byte>((long)si->Max);
        return 0;
    }

    /// <summary>
    /// <c>swap_count_continued</c>: carry into (count = SWAP_MAP_MAX [| COUNT_CONTINUED]) or borrow from
    /// (count = COUNT_CONTINUED) the continuation digits; "add 1 to 999" / "subtract 1 from 1000".
    /// </summary>
    private static bool SwapCountContinued(SwapInfoStruct* si, ulong offset, byte count)
    {
        if (si->ContLevels == 0)
            return false;
        int level = 0;
        byte* map = (byte*)si->Cont[0] + offset;
        if (count == SwapMapMax || count == (SwapMapMax | CountContinued))
        {
            if (count == SwapMapMax)
            {
                *map = 0; // initial increment from swap_map: the digit starts from zero
            }
            else
            {
                while (*map == (SwapContMax | CountContinued))
                {
                    level++;
                    map = (byte*)si->Cont[level] + offset;
                }
                if (*map == SwapContMax)
                {
                    level++;
                    if (level == si->ContLevels)
                        return false;
                    map = (byte*)si->Cont[level] + offset;
                    *map = 0;
                }
            }
            *map += 1;
            for (int l = level - 1; l >= 0; l--)
                *((byte*)si->Cont[l] + offset) = CountContinued;
            return true;
        }

        System.Diagnostics.Debug.Assert(count == CountContinued);
        while (*map == CountContinued)
        {
            level++;
            map = (byte*)si->Cont[level] + offset;
        }
        System.Diagnostics.Debug.Assert(*map != 0);
        *map -= 1;
        byte c = *map == 0 ? (byte)0 : count;
        for (int l = level - 1; l >= 0; l--)
        {
            *((byte*)si->Cont[l] + offset) = (byte)(SwapContMax | c);
            c = CountContinued;
        }
        return c == CountContinued;
    }

    /// <summary>
    /// <c>__swap_entry_free_locked</c>: drop <paramref name="usage"/> (1 or SWAP_HAS_CACHE); returns the
    /// remaining usage (0 = slot now unused).
    /// </summary>
    private static byte __SwapEntryFreeLocked(SwapInfoStruct* p, ulong offset, byte usage)
    {
        byte count = p->SwapMap[offset];
        byte hasCache = (byte)(count & SwapHasCache);
        count &= unchecked((byte)~SwapHasCache);
        if (usage == SwapHasCache)
        {
            System.Diagnostics.Debug.Assert(hasCache != 0, "swapcache free of a slot without SWAP_HAS_CACHE");
            hasCache = 0;
        }
        else if (count == SwapMapShmem)
        {
            count = 0;
        }
        else if ((count & ~CountContinued) <= SwapMapMax)
        {
            if (count == CountContinued)
                count = SwapCountContinued(p, offset, count) ? (byte)(SwapMapMax | CountContinued) : SwapMapMax;
            else
                count--;
        }
        byte remaining = (byte)(count | hasCache);
        p->SwapMap[offset] = remaining != 0 ? remaining : SwapHasCache;
        return remaining;
    }

    /// <summary><c>__swap_entry_free</c>: drop a usage and free the slot when none remains (no slot cache).</summary>
    internal byte __SwapEntryFree(SwapInfoStruct* p, SwpEntry entry, byte usage)
    {
        byte remaining = __SwapEntryFreeLocked(p, entry.Offset, usage);
        if (remaining == 0)
            SwapEntryFree(p, entry);
        return remaining;
    }

    /// <summary><c>swap_entry_free</c>: the slot goes back to the free pool.</summary>
    private void SwapEntryFree(SwapInfoStruct* p, SwpEntry entry)
    {
        ulong offset = entry.Offset;
        System.Diagnostics.Debug.Assert(p->SwapMap[offset] == SwapHasCache);
        p->SwapMap[offset] = 0;
        p->SlotToken[offset] = 0;
        SwapRangeFree(p, offset);
        MemCgroupUnchargeSwap(entry, 1);
    }

    /// <summary><c>swap_free</c>: drop one PTE reference.</summary>
    internal void SwapFree(SwpEntry entry)
    {
        SwapInfoStruct* p = SwapInfoGet(entry);
        if (p != null)
            __SwapEntryFree(p, entry, 1);
    }

    /// <summary><c>put_swap_page</c> for an order-0 page: drop SWAP_HAS_CACHE.</summary>
    internal void PutSwapPage(SwpEntry entry)
    {
        SwapInfoStruct* p = SwapInfoGet(entry);
        if (p != null)
            __SwapEntryFree(p, entry, SwapHasCache);
    }

    /// <summary>
    /// <c>free_swap_and_cache</c> without its cache part: drops the PTE's reference. When only the swap
    /// cache still holds the slot the kernel then tries <c>__try_to_reclaim_swap</c>; that is the swap issue's.
    /// Returns false for an entry naming no swap device.
    /// </summary>
    internal bool FreeSwapAndCache(SwpEntry entry)
    {
        SwapInfoStruct* p = SwapInfoGet(entry);
        if (p == null)
            return false;
        __SwapEntryFree(p, entry, 1);
        return true;
    }

    /// <summary><c>swap_count</c>: the slot's reference count with the cache bit removed (continuations not summed).</summary>
    internal static byte SwapCount(byte ent) => (byte)(ent & ~SwapHasCache);

    /// <summary>
    /// The slot's full PTE-reference count, summing continuation digits (test and checker helper, the sum
    /// <c>swp_swapcount</c> computes).
    /// </summary>
    internal long SwpSwapcount(SwpEntry entry)
    {
        SwapInfoStruct* p = SwapInfoGet(entry);
        if (p == null)
            return 0;
        ulong offset = entry.Offset;
        byte count = SwapCount(p->SwapMap[offset]);
        long total = count & ~CountContinued;
        if ((count & CountContinued) == 0)
            return total;
        long n = SwapMapMax + 1;
        for (int l = 0; l < p->ContLevels; l++)
        {
            byte d = *((byte*)p->Cont[l] + offset);
            total += (d & ~CountContinued) * n;
            if ((d & CountContinued) == 0)
                break;
            n *= SwapContMax + 1;
        }
        return total;
    }
}
