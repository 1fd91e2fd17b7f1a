using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ReclaimFast;

/// <summary>
/// Owns every native allocation of one emulated machine (DESIGN.md: the machine owns all native memory
/// and frees it in Dispose). Allocations are 64-byte aligned and zeroed; the running total is exact, so
/// tests and the README's bytes-per-page figure read it directly. Not thread-safe: one machine, one thread.
/// </summary>
public sealed unsafe class NativeHeap : IDisposable
{
    // Allocation records live in native memory too: a growable array of (pointer, size).
    private nint* _blocks;
    private nuint* _sizes;
    private int _count;
    private int _capacity;
    private bool _disposed;

    /// <summary>Bytes currently owned (sum of live allocations).</summary>
    public long BytesAllocated { get; private set; }

    /// <summary>Number of live allocations.</summary>
    public int Count => _count;

    /// <summary>Allocates <paramref name="bytes"/> zeroed bytes aligned to <paramref name="alignment"/>.</summary>
    /// <remarks>Zeroing is done by the caller's first touch pattern when <paramref name="zero"/> is false.</remarks>
    public void* Alloc(nuint bytes, nuint alignment = 64, bool zero = true)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (bytes == 0)
            bytes = 1;
        void* p = NativeMemory.AlignedAlloc(bytes, alignment);
        if (p == null)
            throw new OutOfMemoryException($"native allocation of {bytes} bytes failed");
        if (zero)
            NativeMemory.Clear(p, bytes);
        Track(p, bytes);
        return p;
    }

    /// <summary>Allocates a zeroed, 64-byte aligned array of <paramref name="count"/> elements of <typeparamref name="T"/>.</summary>
    public T* AllocArray<T>(long count, bool zero = true) where T : unmanaged
    {
        if (count < 0)
            throw new ArgumentOutOfRangeException(nameof(count), count, "element count must not be negative");
        return (T*)Alloc((nuint)count * (nuint)sizeof(T), 64, zero);
    }

    /// <summary>Allocates one zeroed <typeparamref name="T"/>.</summary>
    public T* AllocOne<T>() where T : unmanaged => (T*)Alloc((nuint)sizeof(T), 64, zero: true);

    /// <summary>Frees one allocation made by this heap (O(n) lookup: for rare, large blocks only).</summary>
    public void Free(void* p)
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            if (_blocks[i] == (nint)p)
            {
                BytesAllocated -= (long)_sizes[i];
                NativeMemory.AlignedFree(p);
                _count--;
                _blocks[i] = _blocks[_count];
                _sizes[i] = _sizes[_count];
                return;
            }
        }
        throw new InvalidOperationException("pointer was not allocated by this NativeHeap");
    }

    private void Track(void* p, nuint bytes)
    {
        if (_count == _capacity)
        {
            int cap = _capacity == 0 ? 64 : _capacity * 2;
            _blocks = (nint*)NativeMemory.Realloc(_blocks, (nuint)(cap * sizeof(nint)));
            _sizes = (nuint*)NativeMemory.Realloc(_sizes, (nuint)(cap * sizeof(nuint)));
            _capacity = cap;
        }
        _blocks[_count] = (nint)p;
        _sizes[_count] = bytes;
        _count++;
        BytesAllocated += (long)bytes;
    }

    /// <summary>Frees everything.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        for (int i = 0; i < _count; i++)
            NativeMemory.AlignedFree((void*)_blocks[i]);
        NativeMemory.Free(_blocks);
        NativeMemory.Free(_sizes);
        _blocks = null;
        _sizes = null;
        _count = 0;
        BytesAllocated = 0;
    }
}

/// <summary>
/// A typed pool of fixed-size native objects (the role of a kmem_cache for emulator-internal objects such as
/// anon_vma, vm_area_struct or radix-tree nodes): objects never move, freed objects go on an intrusive free
/// list, and growth takes a new chunk from the <see cref="NativeHeap"/>. Alloc/Free are O(1) and allocate
/// nothing on the GC heap.
/// </summary>
public unsafe struct NativePool<T> where T : unmanaged
{
    private readonly NativeHeap? _heap;
    private void* _free;       // intrusive free list through the first word of each free object
    private readonly int _chunkObjects;

    /// <summary>Objects currently allocated.</summary>
    public long InUse { get; private set; }

    /// <summary>Objects in all chunks (in use + free).</summary>
    public long Capacity { get; private set; }

    /// <summary>Creates a pool that grows by <paramref name="chunkObjects"/> objects at a time.</summary>
    public NativePool(NativeHeap heap, int chunkObjects = 1024)
    {
        ArgumentNullException.ThrowIfNull(heap);
        Debug.Assert(sizeof(T) >= sizeof(void*), "pooled objects must hold a free-list pointer");
        _heap = heap;
        _chunkObjects = chunkObjects;
        _free = null;
        InUse = 0;
        Capacity = 0;
    }

    /// <summary>Takes one zeroed object.</summary>
    public T* Alloc()
    {
        if (_free == null)
            Grow();
        void* p = _free;
        _free = *(void**)p;
        *(T*)p = default;
        InUse++;
        return (T*)p;
    }

    /// <summary>Returns an object to the pool.</summary>
    public void Free(T* obj)
    {
        Debug.Assert(obj != null);
        *(void**)obj = _free;
        _free = obj;
        InUse--;
    }

    private void Grow()
    {
        if (_heap is null)
            throw new InvalidOperationException("NativePool used before construction");
        int stride = sizeof(T) < sizeof(void*) ? sizeof(void*) : sizeof(T);
        byte* chunk = (byte*)_heap.Alloc((nuint)(stride * _chunkObjects), 64, zero: false);
        for (int i = _chunkObjects - 1; i >= 0; i--)
        {
            void* o = chunk + (long)i * stride;
            *(void**)o = _free;
            _free = o;
        }
        Capacity += _chunkObjects;
    }
}
