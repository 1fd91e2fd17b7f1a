using System;
using System.Collections.Generic;
using ReclaimFast.Mm.Filemap;
using Xunit;

namespace ReclaimFast.Tests.Filemap;

/// <summary>
/// xarray marks against a model: a mark lives on a present entry; storing a value entry (a shadow) or erasing clears
/// it (xas_init_marks); a page replacing a page keeps it; xa_marked and xa_find(mark) agree with the model.
/// </summary>
public unsafe class XArrayMarkTests
{
    [Theory]
    [InlineData(11, 64UL)]
    [InlineData(12, 5000UL)]
    [InlineData(13, 1UL << 40)]
    public void MarksMatchModelOnRandomOperations(int seed, ulong range)
    {
        using var heap = new NativeHeap();
        var pool = new NativePool<XaNode>(heap, 16);
        var xa = new XArray();
        var entries = new Dictionary<ulong, ulong>();
        var marks = new HashSet<(ulong, int)>();
        var rng = new Random(seed);
        for (int step = 0; step < 30000; step++)
        {
            ulong index = rng.Next(4) == 0 ? (ulong)rng.Next(3) : (ulong)(rng.NextDouble() * range);
            int mark = rng.Next(XaNode.MaxMarks);
            switch (rng.Next(10))
            {
                case 0 or 1 or 2:
                {
                    bool value = rng.Next(3) == 0;
                    ulong entry = value ? XArray.MkValue((ulong)rng.Next(1 << 20)) : (ulong)rng.Next(1, 1 << 20) << 6;
                    xa.Store(index, entry, ref pool);
                    entries[index] = entry;
                    if (value)
                    {
                        for (int m = 0; m < XaNode.MaxMarks; m++)
                            marks.Remove((index, m));
                    }
                    break;
                }
                case 3:
                    xa.Store(index, 0, ref pool);
                    entries.Remove(index);
                    for (int m = 0; m < XaNode.MaxMarks; m++)
                        marks.Remove((index, m));
                    break;
                case 4 or 5 or 6:
                    xa.SetMark(index, mark);
                    if (entries.ContainsKey(index))
                        marks.Add((index, mark));
                    break;
                case 7:
                    xa.ClearMark(index, mark);
                    marks.Remove((index, mark));
                    break;
                default:
                    Assert.Equal(marks.Contains((index, mark)), xa.GetMark(index, mark));
                    break;
            }
            if (step % 997 == 0)
                CheckFind(xa, marks);
        }
        CheckFind(xa, marks);
        foreach (ulong k in new List<ulong>(entries.Keys))
            xa.Store(k, 0, ref pool);
        Assert.True(xa.Empty);
        for (int m = 0; m < XaNode.MaxMarks; m++)
            Assert.False(xa.Marked(m));
        Assert.Equal(0, pool.InUse);
    }

    private static void CheckFind(XArray xa, HashSet<(ulong Index, int Mark)> marks)
    {
        for (int m = 0; m < XaNode.MaxMarks; m++)
        {
            var expected = new List<ulong>();
            foreach ((ulong index, int mark) in marks)
            {
                if (mark == m)
                    expected.Add(index);
            }
            expected.Sort();
            Assert.Equal(expected.Count != 0, xa.Marked(m));
            ulong at = 0;
            foreach (ulong k in expected)
            {
                Assert.NotEqual(0UL, xa.FindMarked(ref at, ulong.MaxValue, m));
                Assert.Equal(k, at);
                at++;
            }
            Assert.Equal(0UL, xa.FindMarked(ref at, ulong.MaxValue, m));
        }
    }

    [Fact]
    public void FindMarkedStopsAtMax()
    {
        using var heap = new NativeHeap();
        var pool = new NativePool<XaNode>(heap, 4);
        var xa = new XArray();
        xa.Store(10, 0x1000, ref pool);
        xa.Store(5000, 0x2000, ref pool);
        xa.SetMark(5000, 0);
        ulong at = 0;
        Assert.Equal(0UL, xa.FindMarked(ref at, 4999, 0));
        at = 0;
        Assert.Equal(0x2000UL, xa.FindMarked(ref at, 5000, 0));
        Assert.Equal(5000UL, at);
    }
}
