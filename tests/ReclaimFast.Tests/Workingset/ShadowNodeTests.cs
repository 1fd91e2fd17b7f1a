using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Swap;
using Xunit;

namespace ReclaimFast.Tests.Workingset;

/// <summary>workingset_update_node's shadow-node list, count_shadow_nodes and the shrinker's scan.</summary>
public unsafe class ShadowNodeTests
{
    private static void Read(Machine m, File* f, ulong index)
    {
        for (int tries = 0; !m.FileReadPage(f, index); tries++)
        {
            Assert.True(tries < 20);
            AnonSwapTests.ReclaimSome(m);
        }
    }

    // Leaf nodes (64-index blocks) whose non-empty slots are all shadows, counted by brute force.
    private static long ShadowOnlyBlocks(File* f, ulong pages)
    {
        long n = 0;
        for (ulong b = 0; b * 64 < pages; b++)
        {
            int used = 0, values = 0;
            for (ulong i = b * 64; i < b * 64 + 64 && i < pages; i++)
            {
                ulong e = f->FMapping->IPages.Load(i);
                if (e != 0)
                    used++;
                if (XArray.IsValue(e))
                    values++;
            }
            if (used != 0 && used == values)
                n++;
        }
        return n;
    }

    [Fact]
    public void ShadowOnlyNodesAreTracked_CountedAndReclaimed()
    {
        const ulong Ram = 16384, Pages = 40000;
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, Ram));
        File* f = m.CreateFile(Pages);
        for (ulong i = 0; i < Pages; i++)
            Read(m, f, i);
        long nodes = ShadowOnlyBlocks(f, Pages);
        Assert.True(nodes > 300, $"only {nodes} shadow-only nodes");
        Assert.Equal(nodes, m.NodePageState(0, NodeStatItem.WorkingsetNodes));
        // max_nodes = present pages >> 3 = 2048 > nodes: nothing to shrink yet (count 0, not SHRINK_EMPTY).
        Assert.Equal(0UL, m.CountShadowNodes(0));

        ulong exceptional0 = f->FMapping->NrExceptional;
        Assert.Equal(10UL, m.ScanShadowNodes(10));
        Assert.Equal(nodes - 10, m.NodePageState(0, NodeStatItem.WorkingsetNodes));
        Assert.Equal(10, m.NodePageState(0, NodeStatItem.WorkingsetNodereclaim));
        Assert.Equal(exceptional0 - 640, f->FMapping->NrExceptional);   // ten full blocks of 64 shadows
        Assert.Equal(nodes - 10, ShadowOnlyBlocks(f, Pages));

        // Re-reading everything: pages whose shadow went with a reclaimed node are not refaults.
        long refaults0 = m.NodePageState(0, NodeStatItem.WorkingsetRefault);
        long withShadow = 0;
        for (ulong i = 0; i < Pages; i++)
        {
            if (XArray.IsValue(f->FMapping->IPages.Load(i)))
                withShadow++;
            Read(m, f, i);
        }
        Assert.Equal(refaults0 + withShadow, m.NodePageState(0, NodeStatItem.WorkingsetRefault));
        Assert.Equal(ShadowOnlyBlocks(f, Pages), m.NodePageState(0, NodeStatItem.WorkingsetNodes));
        m.CheckInvariants();
    }
}
