using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReclaimFast.Mm.Memcontrol;

/// <summary>
/// Mirrors <c>struct page_counter</c> (include/linux/page_counter.h, v5.4): a hierarchical usage counter in pages
/// with a hard limit (<c>max</c>) and the memory.min / memory.low protection bookkeeping. The atomics of the kernel
/// are plain fields: one emulated machine runs on one host thread.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct PageCounter
{
    /// <summary><c>PAGE_COUNTER_MAX</c> = LONG_MAX / PAGE_SIZE ("max").</summary>
    public const long PageCounterMax = long.MaxValue / 4096;

    /// <summary><c>usage</c> (atomic_long_t).</summary>
    public long Usage;
    /// <summary><c>max</c>.</summary>
    public long Max;
    /// <summary><c>parent</c>: null for top-level groups (the root memcg is not charged, as try_charge skips it).</summary>
    public PageCounter* Parent;
    /// <summary><c>emin</c>: effective memory.min, written by mem_cgroup_protected.</summary>
    public long Emin;
    /// <summary><c>min_usage</c>: the protected part of usage propagated to the parent.</summary>
    public long MinUsage;
    /// <summary><c>children_min_usage</c>: Σ children's min_usage.</summary>
    public long ChildrenMinUsage;
    /// <summary><c>elow</c>: effective memory.low.</summary>
    public long Elow;
    /// <summary><c>low_usage</c>.</summary>
    public long LowUsage;
    /// <summary><c>children_low_usage</c>.</summary>
    public long ChildrenLowUsage;
    /// <summary><c>watermark</c>: highest usage seen.</summary>
    public long Watermark;
    /// <summary><c>failcnt</c>: failed try_charge calls at this level.</summary>
    public long Failcnt;
    /// <summary><c>min</c> (memory.min).</summary>
    public long Min;
    /// <summary><c>low</c> (memory.low).</summary>
    public long Low;

    /// <summary><c>page_counter_init(counter, parent)</c>: zero usage, max = PAGE_COUNTER_MAX.</summary>
    public static void Init(PageCounter* counter, PageCounter* parent)
    {
        *counter = default;
        counter->Max = PageCounterMax;
        counter->Parent = parent;
    }

    /// <summary><c>page_counter_read</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Read(PageCounter* counter) => counter->Usage;

    /// <summary>
    /// <c>propagate_protected_usage(c, usage)</c> (mm/page_counter.c, 5.4.286): the part of usage within min (all of
    /// it when usage ≤ min, else nothing — 5.4's all-or-nothing form) is what the parent sees in children_min_usage;
    /// the same for low.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PropagateProtectedUsage(PageCounter* c, long usage)
    {
        if (c->Parent == null)
            return;
        if (c->Min != 0 || c->MinUsage != 0)
        {
            long prot = usage <= c->Min ? usage : 0;
            long old = c->MinUsage;
            c->MinUsage = prot;
            long delta = prot - old;
            if (delta != 0)
                c->Parent->ChildrenMinUsage += delta;
        }
        if (c->Low != 0 || c->LowUsage != 0)
        {
            long prot = usage <= c->Low ? usage : 0;
            long old = c->LowUsage;
            c->LowUsage = prot;
            long delta = prot - old;
            if (delta != 0)
                c->Parent->ChildrenLowUsage += delta;
        }
    }

    /// <summary><c>page_counter_cancel(counter, nr_pages)</c>: take pages off one level and propagate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Cancel(PageCounter* counter, long nrPages)
    {
        long n = counter->Usage -= nrPages;
        PropagateProtectedUsage(counter, n);
        System.Diagnostics.Debug.Assert(n >= 0, "page_counter underflow");
    }

    /// <summary><c>page_counter_charge(counter, nr_pages)</c>: charge every level, ignoring max.</summary>
    public static void Charge(PageCounter* counter, long nrPages)
    {
        for (PageCounter* c = counter; c != null; c = c->Parent)
        {
            long n = c->Usage += nrPages;
            PropagateProtectedUsage(c, n);
            if (n > c->Watermark)
                c->Watermark = n;
        }
    }

    /// <summary>
    /// <c>page_counter_try_charge(counter, nr_pages, &amp;fail)</c>: charge every level up to the first whose usage would
    /// exceed its max; there undo (propagating with the over-limit value, as 5.4.286 does), failcnt++, and cancel the
    /// levels below. Returns false with <paramref name="fail"/> = the limiting level.
    /// </summary>
    public static bool TryCharge(PageCounter* counter, long nrPages, out PageCounter* fail)
    {
        for (PageCounter* c = counter; c != null; c = c->Parent)
        {
            long n = c->Usage += nrPages;
            if (n > c->Max)
            {
                c->Usage -= nrPages;
                PropagateProtectedUsage(c, n);
                c->Failcnt++;
                fail = c;
                for (PageCounter* u = counter; u != c; u = u->Parent)
                    Cancel(u, nrPages);
                return false;
            }
            PropagateProtectedUsage(c, n);
            if (n > c->Watermark)
                c->Watermark = n;
        }
        fail = null;
        return true;
    }

    /// <summary><c>page_counter_uncharge(counter, nr_pages)</c>: cancel at every level.</summary>
    public static void Uncharge(PageCounter* counter, long nrPages)
    {
        for (PageCounter* c = counter; c != null; c = c->Parent)
            Cancel(c, nrPages);
    }

    /// <summary><c>page_counter_set_min(counter, nr_pages)</c>: store, then propagate at every level with its usage.</summary>
    public static void SetMin(PageCounter* counter, long nrPages)
    {
        counter->Min = nrPages;
        for (PageCounter* c = counter; c != null; c = c->Parent)
            PropagateProtectedUsage(c, c->Usage);
    }

    /// <summary><c>page_counter_set_low(counter, nr_pages)</c>.</summary>
    public static void SetLow(PageCounter* counter, long nrPages)
    {
        counter->Low = nrPages;
        for (PageCounter* c = counter; c != null; c = c->Parent)
            PropagateProtectedUsage(c, c->Usage);
    }
}
