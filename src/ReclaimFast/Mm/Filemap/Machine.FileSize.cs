using System;
using ReclaimFast.Mm.Filemap;

namespace ReclaimFast;

// mm/truncate.c / fs: growing a file's size (i_size_write when a write or an extending device reaches past EOF).
public sealed unsafe partial class Machine
{
    /// <summary>
    /// <c>i_size_write</c> extending <paramref name="inode"/> to at least <paramref name="sizePages"/> pages: the new
    /// offsets hold their initial content (<see cref="FileToken"/>) on disk and in the file. The per-offset token
    /// arrays grow by doubling, so a file extended one page at a time costs amortised O(1) per page. Shrinking is
    /// truncation's business, not this method's.
    /// </summary>
    internal void InodeExtend(Inode* inode, ulong sizePages)
    {
        if (sizePages <= inode->SizePages)
            return;
        ulong capacity = inode->TokenCapacity;
        if (sizePages > capacity)
        {
            ulong newCapacity = Math.Max(sizePages, capacity * 2);
            inode->Token = GrowTokens(inode->Token, inode->SizePages, newCapacity);
            inode->DiskToken = GrowTokens(inode->DiskToken, inode->SizePages, newCapacity);
            inode->TokenCapacity = newCapacity;
        }
        for (ulong i = inode->SizePages; i < sizePages; i++)
            inode->Token[i] = inode->DiskToken[i] = FileToken(inode->Ino, i);
        inode->SizePages = sizePages;
    }

    private ulong* GrowTokens(ulong* old, ulong used, ulong capacity)
    {
        ulong* grown = Heap.AllocArray<ulong>((long)capacity, zero: false);
        new ReadOnlySpan<ulong>(old, checked((int)used)).CopyTo(new Span<ulong>(grown, checked((int)used)));
        Heap.Free(old);
        return grown;
    }
}
