using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Swap;
using Xunit;

namespace ReclaimFast.Tests.Memory;

public class PteEncodingTests
{
    [Fact]
    public void SwapPteMatchesPgtable64Layout()
    {
        // __swp_entry(1, 1) = (~1 << SWP_OFFSET_SHIFT(14) >> SWP_TYPE_BITS(5)) | (1 << 59):
        // ~1 << 14 = 0xFFFF_FFFF_FFFF_8000; >> 5 = 0x07FF_FFFF_FFFF_FC00; | 0x0800_0000_0000_0000.
        Assert.Equal(0x0FFF_FFFF_FFFF_FC00UL, Pte.ArchSwpEntry(1, 1));
        // Type 0, offset 0: every offset bit (9..58) set, the L1TF inversion; P, PROTNONE and PSE stay clear.
        ulong zero = Pte.ArchSwpEntry(0, 0);
        Assert.Equal(((1UL << 59) - 1) & ~((1UL << 9) - 1), zero);
        Assert.Equal(0UL, zero & (Pte.Present | Pte.ProtNone | Pte.Pse));
        Assert.True(Pte.IsSwapPte(zero));
    }

    [Theory]
    [InlineData(0, 1UL)]
    [InlineData(3, 0x1234UL)]
    [InlineData(28, (1UL << 50) - 1)] // MAX_SWAPFILES−1 and the widest offset the 50 PTE bits hold
    public void SwapEntryRoundTripsThroughPte(int type, ulong offset)
    {
        var e = SwpEntry.Make(type, offset);
        Assert.Equal(((ulong)type << 58) | offset, e.Val); // swapops.h: type above SWP_TYPE_SHIFT = 58
        ulong pte = Pte.SwpEntryToPte(e);
        Assert.False(Pte.PtePresent(pte));
        Assert.False(Pte.PteNone(pte));
        Assert.Equal(type, Pte.ArchSwpType(pte));
        Assert.Equal(offset, Pte.ArchSwpOffset(pte));
        Assert.Equal(e, Pte.PteToSwpEntry(pte));
    }

    [Fact]
    public void PteNoneIgnoresErratumBitsAndPresentPtesCarryPfn()
    {
        Assert.True(Pte.PteNone(0));
        Assert.True(Pte.PteNone(Pte.Accessed | Pte.Dirty));
        Assert.False(Pte.PteNone(Pte.Present));
        ulong pte = Pte.PfnPte(0x12345, Pte.Present | Pte.Rw | Pte.User);
        Assert.Equal(0x12345UL, Pte.PtePfn(pte | Pte.Nx | Pte.Accessed));
        Assert.True(Pte.PtePresent(pte));
        Assert.True(Pte.PtePresent(Pte.ProtNone)); // PROT_NONE mappings are present to the kernel
        Assert.Equal(29, SwpEntry.MaxSwapfiles);
    }

    [Fact]
    public void IndicesSplitAddressAcrossFourLevels()
    {
        ulong addr = (5UL << 39) | (6UL << 30) | (7UL << 21) | (8UL << 12) | 0x123;
        Assert.Equal(5, Pte.PgdIndex(addr));
        Assert.Equal(6, Pte.PudIndex(addr));
        Assert.Equal(7, Pte.PmdIndex(addr));
        Assert.Equal(8, Pte.PteIndex(addr));
    }
}
