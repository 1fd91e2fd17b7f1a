using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

// Per-machine state of process memory, page cache and reverse map: native object pools, the page-table
// side array, the task list. Created on first use (the allocator's Machine constructor is not ours to edit).
public sealed unsafe partial class Machine
{
    private bool _mmStateReady;
    private NativePool<MmStruct> _mmPool;
    private NativePool<VmAreaStruct> _vmaPool;
    private NativePool<TaskStruct> _taskPool;
    private NativePool<AnonVma> _anonVmaPool;
    private NativePool<AnonVmaChain> _avcPool;
    private NativePool<XaNode> _xaNodePool;
    private NativePool<Inode> _inodePool;
    private NativePool<Mm.Filemap.File> _filePool;
    private NativePool<PtBlock> _ptBlockPool;

    /// <summary>Page-table contents by the table page's PFN (null for pages that are not page tables).</summary>
    private PtBlock** _ptMem;

    /// <summary>All live tasks (<c>init_task.tasks</c>).</summary>
    private ListHead* _taskList;

    /// <summary><c>init_mm.mmlist</c>: mms that may hold swap entries (for swapoff).</summary>
    private ListHead* _mmList;

    private int _nextPid;
    private int _nextMmId;
    private ulong _nextIno;

    /// <summary>
    /// Simulated I/O delay owed by page-cache reads, in jiffies. There is no event loop yet: each read-in adds
    /// <see cref="PageCacheReadLatencyJiffies"/> here instead of sleeping; the event-loop issue turns it into a wait.
    /// </summary>
    internal long IoJiffiesPending;

    /// <summary>Latency of one page-cache read-in (jiffies).</summary>
    internal int PageCacheReadLatencyJiffies = 1;

    /// <summary>Live tasks.</summary>
    internal ListHead* TaskList
    {
        get
        {
            EnsureMmState();
            return _taskList;
        }
    }

    /// <summary>Native objects in use by process memory (tests: nothing leaks after every task exits).</summary>
    internal long MmObjectsInUse => _mmPool.InUse + _vmaPool.InUse + _taskPool.InUse + _anonVmaPool.InUse + _avcPool.InUse;

    /// <summary>Anon_vma and anon_vma_chain objects in use.</summary>
    internal (long AnonVmas, long Chains) RmapObjectsInUse => (_anonVmaPool.InUse, _avcPool.InUse);

    /// <summary>True once process memory, the page cache or swap has been used on this machine.</summary>
    internal bool MmStateReady => _mmStateReady;

    /// <summary>Creates the pools on first use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void EnsureMmState()
    {
        if (!_mmStateReady)
            InitMmState();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void InitMmState()
    {
        _mmPool = new NativePool<MmStruct>(Heap, 64);
        _vmaPool = new NativePool<VmAreaStruct>(Heap, 256);
        _taskPool = new NativePool<TaskStruct>(Heap, 64);
        _anonVmaPool = new NativePool<AnonVma>(Heap, 256);
        _avcPool = new NativePool<AnonVmaChain>(Heap, 512);
        _xaNodePool = new NativePool<XaNode>(Heap, 128);
        _inodePool = new NativePool<Inode>(Heap, 64);
        _filePool = new NativePool<Mm.Filemap.File>(Heap, 64);
        _ptBlockPool = new NativePool<PtBlock>(Heap, 32);
        _ptMem = (PtBlock**)Heap.AllocArray<nint>((long)MaxPfn);
        _taskList = Heap.AllocOne<ListHead>();
        ListHead.Init(_taskList);
        _mmList = Heap.AllocOne<ListHead>();
        ListHead.Init(_mmList);
        _swapInfo = (SwapInfoStruct**)Heap.AllocArray<nint>(SwpEntry.MaxSwapfiles);
        _swapAvail = Heap.AllocArray<int>(SwpEntry.MaxSwapfiles);
        _nextPid = 1;
        _nextMmId = 1;
        _nextIno = 1;
        _mmStateReady = true;
    }

    /// <summary>The page-table contents of table page <paramref name="pfn"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal PtBlock* PtBlockOf(ulong pfn)
    {
        Debug.Assert(pfn < MaxPfn && _ptMem[pfn] != null, "not a page-table page");
        return _ptMem[pfn];
    }

    /// <summary>
    /// The content token of a write (DESIGN.md: a deterministic function of the writer, the address and a
    /// write counter): a SplitMix64 finaliser over the three, never 0 (0 is a zero-filled page).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong WriteToken(int pid, ulong address, ulong seq)
    {
        ulong z = ((ulong)(uint)pid * 0x9E3779B97F4A7C15UL) ^ (address * 0xBF58476D1CE4E5B9UL) ^ (seq * 0x94D049BB133111EBUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return z == 0 ? 1 : z;
    }

    /// <summary>The initial content token of page <paramref name="offset"/> of file <paramref name="ino"/> (never 0).</summary>
    internal static ulong FileToken(ulong ino, ulong offset) => WriteToken(-1, (ino << 40) ^ offset, ino);

    /// <summary>A task's content read back something other than what it wrote: data loss or mix-up.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    internal static void ThrowDataLoss(TaskStruct* task, ulong address, ulong expected, ulong actual)
        => throw new DataLossException(
            $"data loss: task {task->Pid} read address 0x{address:x} and found content token 0x{actual:x}, expected 0x{expected:x}");
}

/// <summary>A read saw a content token other than the one last written: the emulator lost or mixed up data.</summary>
public sealed class DataLossException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataLossException(string message) : base(message)
    {
    }
}
