using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReclaimFast.Workload.Traces;

/// <summary>
/// Numbers a trace's page ids densely in order of first reference (0, 1, 2, …): the page-cache offset a replay in
/// <c>linux</c> mode reads, so a sparse 32- or 64-bit block space becomes a file no larger than the pages the trace
/// touches. Open addressing with linear probing and Fibonacci hashing, load ≤ 1/2, grown by doubling; no deletion.
/// Once grown, a lookup allocates nothing.
/// </summary>
public sealed class PageIdMap
{
    private const ulong GoldenRatio = 0x9E3779B97F4A7C15;

    [StructLayout(LayoutKind.Sequential)]
    private struct Entry
    {
        public ulong Key;
        public uint DenseOne; // dense id + 1; 0 = empty
    }

    private Entry[] _table = new Entry[1024];
    private int _shift = 64 - 10;
    private uint _count;

    /// <summary>Distinct page ids seen.</summary>
    public long Count => _count;

    /// <summary>The dense id of <paramref name="page"/>, assigning the next one on its first reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint GetOrAdd(ulong page)
    {
        Entry[] table = _table;
        int mask = table.Length - 1;
        ref Entry first = ref MemoryMarshal.GetArrayDataReference(table);
        for (int i = (int)((page * GoldenRatio) >> _shift); ; i = (i + 1) & mask)
        {
            Debug.Assert((uint)i < (uint)table.Length);
            ref Entry e = ref Unsafe.Add(ref first, i); // i is masked: always in range
            if (e.DenseOne == 0)
                return Add(ref e, page);
            if (e.Key == page)
                return e.DenseOne - 1;
        }
    }

    /// <summary>Hints the CPU to fetch <paramref name="page"/>'s home slot (the table is far larger than the caches).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(ulong page)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            Entry[] table = _table;
            int i = (int)((page * GoldenRatio) >> _shift);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(table), i)));
        }
    }

    private uint Add(ref Entry slot, ulong page)
    {
        if (_count == uint.MaxValue - 1)
            throw new InvalidOperationException("more than 2^32 - 2 distinct pages in one trace");
        uint id = _count++;
        slot.Key = page;
        slot.DenseOne = id + 1;
        if (_count * 2UL > (ulong)_table.Length)
            Grow();
        return id;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow()
    {
        Entry[] old = _table;
        var table = new Entry[old.Length * 2];
        int shift = _shift - 1;
        int mask = table.Length - 1;
        foreach (Entry e in old)
        {
            if (e.DenseOne == 0)
                continue;
            int i = (int)((e.Key * GoldenRatio) >> shift);
            while (table[i].DenseOne != 0)
                i = (i + 1) & mask;
            table[i] = e;
        }
        _table = table;
        _shift = shift;
    }
}
