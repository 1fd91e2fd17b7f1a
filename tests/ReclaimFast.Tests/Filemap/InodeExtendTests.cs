using ReclaimFast.Mm.Filemap;
using Xunit;

namespace ReclaimFast.Tests.Filemap;

public unsafe class InodeExtendTests
{
    [Fact]
    public void ExtendedOffsetsReadTheirInitialContent_OldContentKept()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 8192));
        File* file = m.CreateFile(3);
        Inode* inode = file->FInode;
        Assert.True(m.FileWritePage(file, 1));
        ulong written = inode->Token[1];
        for (ulong size = 4; size <= 5000; size++)
            m.InodeExtend(inode, size);
        Assert.Equal(5000UL, inode->SizePages);
        Assert.True(inode->TokenCapacity >= 5000);
        Assert.Equal(written, inode->Token[1]);
        Assert.Equal(Machine.FileToken(inode->Ino, 4999), inode->Token[4999]);
        Assert.Equal(Machine.FileToken(inode->Ino, 4999), inode->DiskToken[4999]);
        // A read of a new offset brings the device's copy and checks it against the file's content.
        Assert.True(m.FileReadPage(file, 4999));
        Assert.True(m.FileReadPage(file, 1));
        m.InodeExtend(inode, 10); // never shrinks
        Assert.Equal(5000UL, inode->SizePages);
    }
}
