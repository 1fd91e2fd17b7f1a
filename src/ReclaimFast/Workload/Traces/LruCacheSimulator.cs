using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReclaimFast.Workload.Traces;

/// <summary>
/// <c>replay --policy lru</c>: one LRU list of fixed capacity in pages, no kernel machinery — the
/// textbook policy the published trace miss ratios are quoted for. A hit moves the page to the MRU end;
/// a miss inserts it there, evicting the LRU page when full. Reads and writes are both accesses.
/// </summary>
/// <remarks>
/// Layout: nodes in one array (index 0 is the list sentinel: its Next is the MRU page, its Prev the LRU
/// page), linked by index; a page → node open-addressing table (linear probing, Fibonacci hashing,
/// load ≤ 1/2, backward-shift deletion, so no tombstones). Both grow by doubling up to the capacity, so
/// a huge capacity on a small trace costs only what the trace touches; once grown, an access allocates
/// nothing. Not thread-safe.
/// </remarks>
public sealed class LruCacheSimulator
{
    /// <summary>Largest capacity accepted: 2^29 pages (2 TiB of 4 KiB pages; table index stays an int).</summary>
    public const long MaxCapacityPages = 1L << 29;

    private const ulong GoldenRatio = 0x9E3779B97F4A7C15; // 2^64 / phi, Fibonacci hashing
    private const int InitialNodes = 1024;

    private readonly int _capacity;
    private Node[] _nodes;
    private Entry[] _table;
    private int _tableShift;  // 64 - log2(_table.Length)
    private int _count;       // resident pages: nodes 1.._count are in use

    /// <summary>Creates an empty cache of <paramref name="capacityPages"/> pages (1 ..
    /// <see cref="MaxCapacityPages"/>).</summary>
    public LruCacheSimulator(long capacityPages)
    {
        if (capacityPages < 1 || capacityPages > MaxCapacityPages)
            throw new ArgumentOutOfRangeException(nameof(capacityPages), capacityPages, $"capacity must be 1 .. {MaxCapacityPages} pages");
        _capacity = (int)capacityPages;
        _nodes = [];
        _table = [];
        Resize((int)Math.Min(capacityPages, InitialNodes));
    }

    /// <summary>Capacity in pages.</summary>
    public long CapacityPages => _capacity;

    /// <summary>Pages currently cached.</summary>
    public int ResidentPages => _count;

    /// <summary>Accesses so far.</summary>
    public long Requests { get; private set; }

    /// <summary>Accesses that missed.</summary>
    public long Misses { get; private set; }

    /// <summary>Accesses that hit.</summary>
    public long Hits => Requests - Misses;

    /// <summary>Misses / requests (0 before the first request).</summary>
    public double MissRatio => Requests == 0 ? 0.0 : (double)Misses / Requests;

    /// <summary>Empties the cache and zeroes the counters, keeping the grown arrays (no allocation).</summary>
    public void Clear()
    {
        Array.Clear(_table);
        _nodes[0].Next = 0;
        _nodes[0].Prev = 0;
        _count = 0;
        Requests = 0;
        Misses = 0;
    }

    /// <summary>Accesses <paramref name="page"/>; true on a hit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Access(ulong page)
    {
        Requests++;
        int node = Find(page);
        if (node != 0)
        {
            MoveToFront(node);
            return true;
        }
        Misses++;
        Insert(page);
        return false;
    }

    /// <summary>Accesses every record of <paramref name="records"/> in order.</summary>
    public void Access(ReadOnlySpan<TraceRecord> records)
    {
        for (int i = 0; i < records.Length; i++)
            Access(records[i].Page);
    }

    /// <summary>Replays the rest of <paramref name="reader"/>, <paramref name="buffer"/> at a time.</summary>
    public void Replay(TraceReader reader, Span<TraceRecord> buffer)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int n;
        while ((n = reader.Read(buffer)) > 0)
            Access(buffer.Slice(0, n));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(ulong page) => (int)((page * GoldenRatio) >> _tableShift);

    /// <summary>The node caching <paramref name="page"/>, or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(ulong page)
    {
        Entry[] table = _table;
        int mask = table.Length - 1;
        ref Entry first = ref MemoryMarshal.GetArrayDataReference(table);
        for (int i = Home(page); ; i = (i + 1) & mask)
        {
            Debug.Assert((uint)i < (uint)table.Length);
            ref Entry e = ref Unsafe.Add(ref first, i); // i is masked: always in range
            if (e.Node == 0)
                return 0;
            if (e.Key == page)
                return e.Node;
        }
    }

    /// <summary>list_move to the head: <paramref name="node"/> becomes the MRU page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MoveToFront(int node)
    {
        Node[] nodes = _nodes;
        int mru = nodes[0].Next;
        if (mru == node)
            return;
        ref Node n = ref nodes[node];
        nodes[n.Prev].Next = n.Next;
        nodes[n.Next].Prev = n.Prev;
        n.Prev = 0;
        n.Next = mru;
        nodes[mru].Prev = node;
        nodes[0].Next = node;
    }

    private void Insert(ulong page)
    {
        int node;
        if (_count < _capacity)
        {
            if (_count + 1 == _nodes.Length)
                Grow();
            node = ++_count;
        }
        else
        {
            node = _nodes[0].Prev; // the LRU page
            ref Node victim = ref _nodes[node];
            _nodes[victim.Prev].Next = 0;
            _nodes[0].Prev = victim.Prev;
            RemoveKey(victim.Key);
        }
        Node[] nodes = _nodes;
        ref Node n = ref nodes[node];
        n.Key = page;
        int mru = nodes[0].Next;
        n.Prev = 0;
        n.Next = mru;
        nodes[mru].Prev = node;
        nodes[0].Next = node;
        AddKey(page, node);
    }

    /// <summary>Puts a key known to be absent at the first empty slot of its probe sequence.</summary>
    private void AddKey(ulong page, int node)
    {
        Entry[] table = _table;
        int mask = table.Length - 1;
        int i = Home(page);
        while (table[i].Node != 0)
            i = (i + 1) & mask;
        table[i].Key = page;
        table[i].Node = node;
    }

    /// <summary>Removes a present key; later entries of its cluster shift back so probing needs no tombstones.</summary>
    private void RemoveKey(ulong page)
    {
        Entry[] table = _table;
        int mask = table.Length - 1;
        int i = Home(page);
        while (table[i].Key != page || table[i].Node == 0)
            i = (i + 1) & mask;
        int j = i;
        while (true)
        {
            j = (j + 1) & mask;
            if (table[j].Node == 0)
                break;
            int home = Home(table[j].Key);
            // The entry at j may fill the hole at i unless its home lies cyclically in (i, j].
            bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays)
            {
                table[i] = table[j];
                i = j;
            }
        }
        table[i] = default;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow() => Resize((int)Math.Min((long)_capacity, 2L * (_nodes.Length - 1)));

    /// <summary>Makes room for <paramref name="pages"/> nodes (+ the sentinel) and a table at load ≤ 1/2.</summary>
    private void Resize(int pages)
    {
        var nodes = new Node[pages + 1];
        if (_count == 0)
        {
            nodes[0].Next = 0;
            nodes[0].Prev = 0;
        }
        else
        {
            _nodes.AsSpan(0, _count + 1).CopyTo(nodes);
        }
        int tableLength = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, 2 * pages));
        _table = new Entry[tableLength];
        _tableShift = 64 - BitOperations.Log2((uint)tableLength);
        _nodes = nodes;
        for (int node = 1; node <= _count; node++)
            AddKey(nodes[node].Key, node);
    }

    /// <summary>Writes the cached pages, MRU first, to <paramref name="dest"/>; returns how many (tests).</summary>
    internal int CopyMruToLru(Span<ulong> dest)
    {
        int n = 0;
        for (int node = _nodes[0].Next; node != 0; node = _nodes[node].Next)
            dest[n++] = _nodes[node].Key;
        return n;
    }

    /// <summary>Checks the list and the table agree (tests).</summary>
    internal void CheckInvariants()
    {
        int listed = 0;
        int prev = 0;
        for (int node = _nodes[0].Next; node != 0; node = _nodes[node].Next)
        {
            if (_nodes[node].Prev != prev)
                throw new InvalidOperationException($"node {node}: prev {_nodes[node].Prev}, expected {prev}");
            if (Find(_nodes[node].Key) != node)
                throw new InvalidOperationException($"node {node}: page {_nodes[node].Key} not found in the table");
            if (++listed > _count)
                throw new InvalidOperationException("list longer than the resident count (cycle?)");
            prev = node;
        }
        if (_nodes[0].Prev != prev)
            throw new InvalidOperationException("sentinel prev is not the LRU node");
        int entries = 0;
        foreach (Entry e in _table)
        {
            if (e.Node != 0)
                entries++;
        }
        if (listed != _count || entries != _count)
            throw new InvalidOperationException($"resident {_count}, listed {listed}, table entries {entries}");
        if (_count > _capacity)
            throw new InvalidOperationException($"resident {_count} over capacity {_capacity}");
    }

    /// <summary>A cached page: its number and its LRU neighbours (node indexes; 0 is the sentinel).</summary>
    private struct Node
    {
        public ulong Key;
        public int Prev;
        public int Next;
    }

    /// <summary>A table slot: Node 0 means empty (node 0 is the sentinel, never cached).</summary>
    private struct Entry
    {
        public ulong Key;
        public int Node;
    }
}
