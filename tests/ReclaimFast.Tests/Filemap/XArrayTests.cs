using System;
using System.Collections.Generic;
using ReclaimFast.Mm.Filemap;
using Xunit;

namespace ReclaimFast.Tests.Filemap;

public unsafe class XArrayTests
{
    [Theory]
    [InlineData(1, 64UL)]
    [InlineData(2, 5000UL)]
    [InlineData(3, 1UL << 40)]
    public void MatchesDictionaryOnRandomOperations(int seed, ulong range)
    {
        using var heap = new NativeHeap();
        var pool = new NativePool<XaNode>(heap, 16);
        var xa = new XArray();
        var model = new Dictionary<ulong, ulong>();
        var rng = new Random(seed);
        for (int step = 0; step < 20000; step++)
        {
            ulong index = rng.Next(4) == 0 ? (ulong)rng.Next(3) : (ulong)(rng.NextDouble() * range);
            int op = rng.Next(10);
            if (op < 5)
            {
                // Alternate page-like pointers (64-byte aligned) and value (shadow) entries.
                ulong entry = rng.Next(2) == 0 ? (ulong)rng.Next(1, 1 << 20) << 6 : XArray.MkValue((ulong)rng.Next(1 << 20));
                ulong old = xa.Store(index, entry, ref pool);
                Assert.Equal(model.GetValueOrDefault(index), old);
                model[index] = entry;
            }
            else if (op < 8)
            {
                ulong old = xa.Store(index, 0, ref pool);
                Assert.Equal(model.GetValueOrDefault(index), old);
                model.Remove(index);
            }
            else
            {
                Assert.Equal(model.GetValueOrDefault(index), xa.Load(index));
            }
        }
        // xa_find visits entries in index order.
        var sorted = new List<ulong>(model.Keys);
        sorted.Sort();
        ulong at = 0;
        foreach (ulong k in sorted)
        {
            Assert.Equal(model[k], xa.Find(ref at));
            Assert.Equal(k, at);
            at++;
        }
        Assert.Equal(0UL, xa.Find(ref at));
        foreach (ulong k in sorted)
            xa.Store(k, 0, ref pool);
        Assert.True(xa.Empty);
        Assert.Equal(0, pool.InUse); // every node went back to the pool
    }

    [Fact]
    public void IndexZeroLivesInHeadAndShadowsAreValues()
    {
        using var heap = new NativeHeap();
        var pool = new NativePool<XaNode>(heap, 4);
        var xa = new XArray();
        xa.Store(0, 0x1000, ref pool);
        Assert.Equal(0, pool.InUse);
        // 64 = 1 << 6 needs a shift-6 top node over two leaves (index 0 moves into the first).
        xa.Store(64, XArray.MkValue(7), ref pool);
        Assert.Equal(3, pool.InUse);
        Assert.True(XArray.IsValue(xa.Load(64)));
        Assert.Equal(7UL, XArray.ToValue(xa.Load(64)));
        xa.Store(64, 0, ref pool);
        Assert.Equal(0, pool.InUse); // shrunk back to the head entry
        Assert.Equal(0x1000UL, xa.Load(0));
    }
}
