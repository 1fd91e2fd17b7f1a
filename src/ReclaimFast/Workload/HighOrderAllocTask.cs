using System;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Workload;

/// <summary>
/// A workload task that allocates high-order blocks (a driver's DMA buffers, a THP-less huge allocation): one block of
/// 2^order pages a step with its gfp mask, keeping the newest <c>hold</c> blocks and freeing the oldest. Each block's
/// pages get content tokens at allocation that are checked when it is freed, so anything that moved or reused an
/// allocated block (a compaction bug) ends the run with a <see cref="DataLossException"/>. Failed
/// allocations are counted and the task sleeps a jiffy. Exits after <c>totalAllocs</c> attempts, freeing what it holds.
/// </summary>
public sealed unsafe class HighOrderAllocTask : EmulatedTask
{
    private readonly int _order;
    private readonly long _totalAllocs;
    private readonly uint _gfp;
    private readonly nint[] _held;   // ring of held blocks (Page* of the head)
    private int _first, _count;
    private long _attempts;

    /// <summary>Creates the task.</summary>
    public HighOrderAllocTask(string name, int order, long totalAllocs, int hold, uint gfp = Gfp.HighUserMovable) : base(name)
    {
        if ((uint)order >= MmZone.MaxOrder)
            throw new ArgumentOutOfRangeException(nameof(order), order, $"order must be 0..{MmZone.MaxOrder - 1}");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalAllocs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hold);
        _order = order;
        _totalAllocs = totalAllocs;
        _gfp = gfp;
        _held = new nint[hold];
    }

    /// <summary>Blocks allocated.</summary>
    public long Successes { get; private set; }

    /// <summary>Allocations that failed.</summary>
    public long Failures { get; private set; }

    /// <inheritdoc />
    protected internal override long Step(Machine machine)
    {
        if (_attempts == _totalAllocs)
        {
            while (_count != 0)
                FreeOldest(machine);
            return -1;
        }
        _attempts++;
        if (_count == _held.Length)
            FreeOldest(machine);
        Page* page = machine.AllocPages(_gfp, _order, -1);
        if (page == null)
        {
            Failures++;
            return 1;
        }
        Successes++;
        ulong pfn = machine.PageToPfn(page);
        for (ulong i = 0; i < 1UL << _order; i++)
            machine.ContentToken[pfn + i] = Token(pfn + i);
        _held[(_first + _count) % _held.Length] = (nint)page;
        _count++;
        return 0;
    }

    private ulong Token(ulong pfn) => ((ulong)(uint)Pid << 48) ^ pfn ^ 0x5A5A_0000_0000_0000UL;

    private void FreeOldest(Machine machine)
    {
        var page = (Page*)_held[_first];
        _first = (_first + 1) % _held.Length;
        _count--;
        ulong pfn = machine.PageToPfn(page);
        for (ulong i = 0; i < 1UL << _order; i++)
        {
            if (machine.ContentToken[pfn + i] != Token(pfn + i))
            {
                throw new DataLossException(
                    $"{Name}: block at pfn {pfn} page {i} holds token 0x{machine.ContentToken[pfn + i]:x}, wrote 0x{Token(pfn + i):x}");
            }
        }
        machine.FreePages(page, _order);
    }
}
