using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using ReclaimFast.Mm.Types;
using Xunit;

namespace ReclaimFast.Tests.Types;

/// <summary>list.h semantics, checked against a managed LinkedList model on seeded random operation sequences.</summary>
public sealed unsafe class ListHeadTests
{
    [Fact]
    public void AddIsFrontAddTailIsBack()
    {
        ListHead* n = (ListHead*)NativeMemory.AllocZeroed(4, (nuint)sizeof(ListHead));
        try
        {
            ListHead* head = &n[0];
            ListHead.Init(head);
            Assert.True(ListHead.Empty(head));
            ListHead.Add(&n[1], head);       // head, 1
            ListHead.AddTail(&n[2], head);   // head, 1, 2
            ListHead.Add(&n[3], head);       // head, 3, 1, 2
            Assert.True(head->Next == &n[3] && n[3].Next == &n[1] && n[1].Next == &n[2] && n[2].Next == head);
            Assert.True(head->Prev == &n[2] && n[2].Prev == &n[1] && n[1].Prev == &n[3] && n[3].Prev == head);
            Assert.Equal(3, ListHead.Count(head));
            ListHead.MoveTail(&n[3], head);  // head, 1, 2, 3
            Assert.True(head->Prev == &n[3] && head->Next == &n[1]);
            ListHead.Del(&n[1]);
            Assert.True(head->Next == &n[2]);
            Assert.False(ListHead.IsSingular(head));
            ListHead.Del(&n[3]);
            Assert.True(ListHead.IsSingular(head));
        }
        finally
        {
            NativeMemory.Free(n);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomOperationsMatchManagedModel(int seed)
    {
        const int nodes = 64;
        ListHead* n = (ListHead*)NativeMemory.AllocZeroed(nodes + 2, (nuint)sizeof(ListHead));
        try
        {
            ListHead* a = &n[nodes];
            ListHead* b = &n[nodes + 1];
            ListHead.Init(a);
            ListHead.Init(b);
            var ma = new LinkedList<int>();
            var mb = new LinkedList<int>();
            var where = new int[nodes]; // 0 none, 1 a, 2 b
            var rng = new Random(seed);
            for (int step = 0; step < 5000; step++)
            {
                int i = rng.Next(nodes);
                int op = rng.Next(6);
                bool toA = rng.Next(2) == 0;
                ListHead* dst = toA ? a : b;
                LinkedList<int> mdst = toA ? ma : mb;
                if (where[i] == 0)
                {
                    if (op % 2 == 0) { ListHead.Add(&n[i], dst); mdst.AddFirst(i); }
                    else { ListHead.AddTail(&n[i], dst); mdst.AddLast(i); }
                    where[i] = toA ? 1 : 2;
                }
                else
                {
                    LinkedList<int> msrc = where[i] == 1 ? ma : mb;
                    msrc.Remove(i);
                    switch (op)
                    {
                        case 0: ListHead.Move(&n[i], dst); mdst.AddFirst(i); where[i] = toA ? 1 : 2; break;
                        case 1: ListHead.MoveTail(&n[i], dst); mdst.AddLast(i); where[i] = toA ? 1 : 2; break;
                        default: ListHead.Del(&n[i]); where[i] = 0; break;
                    }
                }
                if (step % 500 == 499)
                {
                    // splice b onto the tail of a, as shrink lists do with their private lists
                    ListHead.SpliceTailInit(b, a);
                    foreach (int x in mb) { ma.AddLast(x); where[x] = 1; }
                    mb.Clear();
                }
                AssertSame(n, a, ma);
                AssertSame(n, b, mb);
            }
        }
        finally
        {
            NativeMemory.Free(n);
        }
    }

    private static void AssertSame(ListHead* n, ListHead* head, LinkedList<int> model)
    {
        ListHead* p = head->Next;
        foreach (int x in model)
        {
            Assert.True(p == &n[x], "forward order differs from the model");
            Assert.True(p->Next->Prev == p, "broken back link");
            p = p->Next;
        }
        Assert.True(p == head, "list longer than the model");
        Assert.Equal(model.Count, ListHead.Count(head));
    }
}
