using System;
using ReclaimFast.Workload;
using Xunit;

namespace ReclaimFast.Tests.Workload;

public class SizeParserTests
{
    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("0", 0L)]
    [InlineData("4096B", 4096L)]
    [InlineData("4096KiB", 4096L << 10)]
    [InlineData("256MiB", 256L << 20)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("2TiB", 2L << 40)]
    [InlineData("4k", 4096L)]
    [InlineData("4K", 4096L)]
    [InlineData("4KB", 4096L)]
    [InlineData("4kib", 4096L)]
    [InlineData("512M", 512L << 20)]
    [InlineData("512mb", 512L << 20)]
    [InlineData("3G", 3L << 30)]
    [InlineData("3GB", 3L << 30)]
    [InlineData("1T", 1L << 40)]
    [InlineData("1TB", 1L << 40)]
    [InlineData(" 12 MiB ", 12L << 20)]
    [InlineData("8388607T", 8388607L << 40)] // (2^23 - 1) TiB: the largest whole TiB below 2^63
    public void Parses(string text, long bytes) => Assert.Equal(bytes, SizeParser.Parse("--memory", text));

    [Theory]
    [InlineData("", "empty size")]
    [InlineData("MiB", "size must start with a decimal number")]
    [InlineData("-1", "size must start with a decimal number")]
    [InlineData("1.5G", "unknown unit '.5G'")]
    [InlineData("1PiB", "unknown unit 'PiB'")]
    [InlineData("12XB", "unknown unit 'XB'")]
    [InlineData("4Kb2", "unknown unit 'Kb2'")]
    [InlineData("8388608T", "size too large")]            // 2^63 bytes
    [InlineData("99999999999999999999", "size too large")]
    public void Rejects_NamingFieldAndValue(string text, string problem)
    {
        var e = Assert.Throws<FormatException>(() => SizeParser.Parse("memory", text));
        Assert.Equal($"memory: {problem}: '{text}' (expected e.g. 4096, 64KiB, 256MiB, 1GiB; K/M/G/T, KB/MB/GB/TB and KiB/MiB/GiB/TiB are all binary)", e.Message);
    }
}
