using System;
using System.Collections.Generic;
using System.IO;
using ReclaimFast.Tests.Infrastructure;
using ReclaimFast.Workload.Traces;
using Xunit;

namespace ReclaimFast.Tests.Workload;

public class LruCacheSimulatorTests
{
    // The classic reference string 1 2 3 4 1 2 5 1 2 3 4 5, worked by hand for LRU:
    //   3 pages: misses on 1 2 3 4 1 2 5 . . 3 4 5 -> 10 misses, 2 hits, ends MRU..LRU = 5 4 3
    //   4 pages: misses on 1 2 3 4 . . 5 . . 3 4 5 -> 8 misses, 4 hits, ends 5 4 3 2
    private static readonly ulong[] s_reference = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];

    [Theory]
    [InlineData(3, 10, new ulong[] { 5, 4, 3 })]
    [InlineData(4, 8, new ulong[] { 5, 4, 3, 2 })]
    [InlineData(5, 5, new ulong[] { 5, 4, 3, 2, 1 })]
    [InlineData(1, 12, new ulong[] { 5 })]
    public void HandWorkedSequence(int capacity, int misses, ulong[] mruToLru)
    {
        var sim = new LruCacheSimulator(capacity);
        foreach (ulong p in s_reference)
            sim.Access(p);
        Assert.Equal(12, sim.Requests);
        Assert.Equal(misses, sim.Misses);
        Assert.Equal(12 - misses, sim.Hits);
        Assert.Equal((double)misses / 12, sim.MissRatio);
        Assert.Equal(mruToLru, Resident(sim));
        sim.CheckInvariants();
    }

    [Fact]
    public void HitMovesToMru_MissEvictsLru()
    {
        var sim = new LruCacheSimulator(2);
        Assert.False(sim.Access(7));
        Assert.False(sim.Access(8));
        Assert.True(sim.Access(7));   // 7 becomes MRU, 8 is LRU
        Assert.False(sim.Access(9));  // evicts 8
        Assert.Equal([9UL, 7], Resident(sim));
        Assert.False(sim.Access(8));
        Assert.Equal([8UL, 9], Resident(sim));
    }

    [Fact]
    public void Clear_StartsOverCold()
    {
        var sim = new LruCacheSimulator(3);
        foreach (ulong p in s_reference)
            sim.Access(p);
        sim.Clear();
        Assert.Equal(0, sim.Requests);
        Assert.Equal(0, sim.ResidentPages);
        sim.CheckInvariants();
        foreach (ulong p in s_reference)
            sim.Access(p);
        Assert.Equal(10, sim.Misses); // the same hand-worked count as from cold
        Assert.Equal([5UL, 4, 3], Resident(sim));
    }

    [Fact]
    public void WritesAndReadsAreBothAccesses()
    {
        var sim = new LruCacheSimulator(2);
        sim.Access([TraceRecord.WriteOf(1), TraceRecord.ReadOf(1), TraceRecord.WriteOf(2), TraceRecord.ReadOf(3), TraceRecord.WriteOf(1)]);
        // 1 miss, 1 hit, 2 miss, 3 miss (evicts 1), 1 miss (evicts 2)
        Assert.Equal(5, sim.Requests);
        Assert.Equal(4, sim.Misses);
    }

    [Fact]
    public void EmptyCacheHasZeroMissRatio()
    {
        var sim = new LruCacheSimulator(10);
        Assert.Equal(0.0, sim.MissRatio);
        Assert.Equal(0, sim.ResidentPages);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(LruCacheSimulator.MaxCapacityPages + 1)]
    public void RejectsImpossibleCapacity(long capacity) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LruCacheSimulator(capacity));

    [Fact]
    public void ReplaysAReader()
    {
        using TraceReader reader = TraceReader.Create(new MemoryStream(TraceTestData.Text("1\n2\n3\n4\n1\n2\n5\n1\n2\n3\n4\n5\n")), TraceFormat.Lirs, "r");
        var sim = new LruCacheSimulator(3);
        sim.Replay(reader, new TraceRecord[5]);
        Assert.Equal(12, sim.Requests);
        Assert.Equal(10, sim.Misses);
    }

    /// <summary>
    /// Differential test against an obviously-correct model (a linked list + dictionary), on seeded random
    /// sequences: capacities below, around and above the first growth step (1024 nodes), page universes
    /// that make hits rare or common, and keys with colliding low bits (stride 2^20) to stress probing.
    /// </summary>
    [Theory]
    [InlineData(1, 1, 4, 1)]
    [InlineData(2, 2, 10, 1)]
    [InlineData(3, 7, 20, 1)]
    [InlineData(4, 100, 300, 1)]
    [InlineData(5, 1000, 1500, 1)]
    [InlineData(6, 3000, 5000, 1)]
    [InlineData(7, 3000, 2000, 1)]
    [InlineData(8, 500, 2000, 1 << 20)]
    [InlineData(9, 5000, 20000, 4096)]
    public void MatchesAReferenceLru(int seed, int capacity, int universe, int stride)
    {
        var rng = new Random(seed);
        var sim = new LruCacheSimulator(capacity);
        var model = new ReferenceLru(capacity);
        for (int i = 0; i < 40_000; i++)
        {
            // Skewed: half the accesses go to the first tenth of the universe.
            int r = rng.Next(2) == 0 ? rng.Next(Math.Max(1, universe / 10)) : rng.Next(universe);
            ulong page = (ulong)r * (ulong)stride;
            Assert.Equal(model.Access(page), sim.Access(page));
            if (i % 5000 == 0)
                sim.CheckInvariants();
        }
        sim.CheckInvariants();
        Assert.Equal(model.Misses, sim.Misses);
        Assert.Equal(model.MruToLru(), Resident(sim));
    }

    private static ulong[] Resident(LruCacheSimulator sim)
    {
        var pages = new ulong[sim.ResidentPages];
        Assert.Equal(pages.Length, sim.CopyMruToLru(pages));
        return pages;
    }

    private sealed class ReferenceLru(int capacity)
    {
        private readonly LinkedList<ulong> _list = new();
        private readonly Dictionary<ulong, LinkedListNode<ulong>> _map = [];

        public long Misses { get; private set; }

        public bool Access(ulong page)
        {
            if (_map.TryGetValue(page, out LinkedListNode<ulong>? node))
            {
                _list.Remove(node);
                _list.AddFirst(node);
                return true;
            }
            Misses++;
            if (_list.Count == capacity)
            {
                _map.Remove(_list.Last!.Value);
                _list.RemoveLast();
            }
            _map[page] = _list.AddFirst(page);
            return false;
        }

        public ulong[] MruToLru() => [.. _list];
    }
}

[Collection(ZeroAllocCollection.Name)]
public class LruCacheSimulatorAllocationTests
{
    [Fact]
    public void ReplayOfAnInMemoryTrace_AllocatesNothingAfterWarmUp()
    {
        var rng = new Random(42);
        var trace = new TraceRecord[200_000];
        for (int i = 0; i < trace.Length; i++)
            trace[i] = new TraceRecord((ulong)rng.Next(20_000), (i & 3) == 0 ? AccessKind.Write : AccessKind.Read);
        var sim = new LruCacheSimulator(5_000);
        AllocationAssert.ZeroAllocations(() => sim.Access(trace), () =>
        {
            sim.Access(trace);
            sim.Clear();
            sim.Access(trace);
        });
        Assert.Equal(trace.Length, sim.Requests);
    }

    [Theory]
    [InlineData(TraceFormat.Lirs, false)]
    [InlineData(TraceFormat.U32Le, false)]
    [InlineData(TraceFormat.U32Le, true)]
    [InlineData(TraceFormat.Csv, true)]
    [InlineData(TraceFormat.OracleGeneral, false)]
    public void ReaderPlusSimulator_AllocateNothingPerRecord(TraceFormat format, bool gzip)
    {
        var rng = new Random(7);
        uint[] ids = new uint[100_000];
        for (int i = 0; i < ids.Length; i++)
            ids[i] = (uint)rng.Next(30_000);
        byte[] data = format switch
        {
            TraceFormat.Lirs => TraceTestData.Text(string.Join("\n", ids) + "\n"),
            TraceFormat.U32Le => TraceTestData.U32Le(ids),
            TraceFormat.Csv => TraceTestData.Text("version,time,op,size,lbn\n" + string.Join("\n", Array.ConvertAll(ids, id => $"1,0,2a,8192,{id * 8}")) + "\n"),
            _ => TraceTestData.Oracle(Array.ConvertAll(ids, id => (0u, (ulong)id, 4096u, 0L))),
        };
        if (gzip)
            data = TraceTestData.Gzip(data);
        var sim = new LruCacheSimulator(10_000);
        var buffer = new TraceRecord[4096];
        TraceReader? measured = null;
        try
        {
            AllocationAssert.ZeroAllocations(
                () =>
                {
                    using (TraceReader warm = TraceTestData.Reader(data, format))
                        sim.Replay(warm, buffer);
                    measured = TraceTestData.Reader(data, format); // opening allocates; reading must not
                },
                () => sim.Replay(measured!, buffer));
            Assert.Equal(100_000, measured!.RecordsRead);
        }
        finally
        {
            measured?.Dispose();
        }
    }
}
