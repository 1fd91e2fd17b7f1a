using System;
using ReclaimFast.Tests.Infrastructure;
using ReclaimFast.Workload.Generators;
using ReclaimFast.Workload.Scenario;
using Xunit;

namespace ReclaimFast.Tests.Workload;

/// <summary>
/// The access generators' statistics against their definitions. Tolerances are 5 standard deviations of the binomial
/// count (σ = √(N p (1 − p))), so a correct generator fails about once in 1.7 million runs, and the seeds are fixed.
/// </summary>
[Collection(ZeroAllocCollection.Name)]
public sealed class ScenarioGeneratorTests
{
    private const int Samples = 200_000;

    private static void AssertBinomial(long count, long n, double p, string what)
    {
        double sigma = Math.Sqrt(n * p * (1 - p));
        Assert.True(Math.Abs(count - n * p) <= 5 * sigma + 1, $"{what}: {count} of {n}, expected {n * p:F0} ± {5 * sigma:F0}");
    }

    /// <summary>H(n, θ) = Σ_{k=1..n} k^−θ, the Zipf normaliser.</summary>
    private static double Harmonic(long n, double theta)
    {
        double h = 0;
        for (long k = n; k >= 1; k--)
            h += Math.Pow(k, -theta);
        return h;
    }

    [Theory]
    [InlineData(1000L, 0.99)]
    [InlineData(1000L, 1.0)]   // θ = 1: the hat's integral is ln x (the continued branch)
    [InlineData(100_000L, 0.5)]
    [InlineData(50L, 1.5)]
    [InlineData(1L, 0.8)]      // one rank: always rank 1
    public void Zipf_RankFrequenciesMatchTheFormula(long n, double theta)
    {
        var zipf = new ZipfSampler(n, theta);
        var rng = new GeneratorRandom(12345);
        long rank1 = 0, rank2 = 0, rank10 = 0;
        for (int i = 0; i < Samples; i++)
        {
            long k = zipf.Next(ref rng);
            Assert.InRange(k, 1, n);
            if (k == 1)
                rank1++;
            else if (k == 2)
                rank2++;
            else if (k == 10)
                rank10++;
        }
        // P(k) = k^−θ / H(n, θ).
        double h = Harmonic(n, theta);
        AssertBinomial(rank1, Samples, 1 / h, "rank 1");
        if (n >= 10)
        {
            AssertBinomial(rank2, Samples, Math.Pow(2, -theta) / h, "rank 2");
            AssertBinomial(rank10, Samples, Math.Pow(10, -theta) / h, "rank 10");
        }
    }

    [Fact]
    public void Zipf_ThroughTheAccessGenerator_HottestPageIsTheFirst()
    {
        var g = new AccessGenerator(AccessPattern.Zipf, 4096, seed: 3, theta: 0.99);
        long first = 0;
        for (int i = 0; i < Samples; i++)
        {
            Assert.True(g.Next(out long page, out _));
            if (page == 0)
                first++;
        }
        AssertBinomial(first, Samples, 1 / Harmonic(4096, 0.99), "page 0");
    }

    [Fact]
    public void Uniform_EveryTenthOfTheRangeGetsATenth()
    {
        const long pages = 1000;
        var g = new AccessGenerator(AccessPattern.Uniform, pages, seed: 7);
        var buckets = new long[10];
        for (int i = 0; i < Samples; i++)
        {
            g.Next(out long page, out _);
            Assert.InRange(page, 0, pages - 1);
            buckets[page / 100]++;
        }
        for (int b = 0; b < 10; b++)
            AssertBinomial(buckets[b], Samples, 0.1, $"bucket {b}");
    }

    [Theory]
    [InlineData(0.2, 0.8)]
    [InlineData(0.05, 0.99)]
    [InlineData(0.5, 0.5)]
    public void HotCold_HotRegionGetsHotProbability(double hotFraction, double hotProbability)
    {
        const long pages = 10_000;
        var g = new AccessGenerator(AccessPattern.HotCold, pages, seed: 9, hotFraction: hotFraction, hotProbability: hotProbability);
        long hotPages = (long)Math.Round(pages * hotFraction), hot = 0, lastHot = 0, firstCold = 0;
        for (int i = 0; i < Samples; i++)
        {
            g.Next(out long page, out _);
            Assert.InRange(page, 0, pages - 1);
            if (page < hotPages)
                hot++;
            if (page == hotPages - 1)
                lastHot++;
            if (page == hotPages)
                firstCold++;
        }
        AssertBinomial(hot, Samples, hotProbability, "hot accesses");
        // Uniform inside each region: a hot page gets hp / hotPages, a cold one (1 − hp) / coldPages.
        AssertBinomial(lastHot, Samples, hotProbability / hotPages, "last hot page");
        AssertBinomial(firstCold, Samples, (1 - hotProbability) / (pages - hotPages), "first cold page");
    }

    [Fact]
    public void Sequential_OnePassThenFinished()
    {
        var g = new AccessGenerator(AccessPattern.Sequential, 5, seed: 1);
        for (long i = 0; i < 5; i++)
        {
            Assert.True(g.Next(out long page, out bool write));
            Assert.Equal(i, page);
            Assert.False(write);
        }
        Assert.True(g.Finished);
        Assert.False(g.Next(out _, out _));
    }

    [Fact]
    public void Loop_WrapsAround()
    {
        var g = new AccessGenerator(AccessPattern.Loop, 3, seed: 1);
        long[] expected = [0, 1, 2, 0, 1, 2, 0];
        foreach (long e in expected)
        {
            Assert.True(g.Next(out long page, out _));
            Assert.Equal(e, page);
        }
        Assert.False(g.Finished);
    }

    [Fact]
    public void Stride_VisitsEveryPageOncePerCycle()
    {
        // 10 pages, stride 4: 0 4 8, then one further: 1 5 9, 2 6, 3 7, and the cycle repeats.
        var g = new AccessGenerator(AccessPattern.Stride, 10, seed: 1, stridePages: 4);
        long[] expected = [0, 4, 8, 1, 5, 9, 2, 6, 3, 7, 0, 4];
        foreach (long e in expected)
        {
            Assert.True(g.Next(out long page, out _));
            Assert.Equal(e, page);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    public void WriteRatio(double ratio)
    {
        var g = new AccessGenerator(AccessPattern.Uniform, 100, seed: 5, writeRatio: ratio);
        long writes = 0;
        for (int i = 0; i < Samples; i++)
        {
            g.Next(out _, out bool write);
            if (write)
                writes++;
        }
        if (ratio is 0.0 or 1.0)
            Assert.Equal((long)(ratio * Samples), writes);
        else
            AssertBinomial(writes, Samples, ratio, "writes");
    }

    [Theory]
    [InlineData(AccessPattern.Uniform)]
    [InlineData(AccessPattern.Zipf)]
    [InlineData(AccessPattern.HotCold)]
    public void SameSeedSameStream_OtherSeedOtherStream(AccessPattern pattern)
    {
        var a = new AccessGenerator(pattern, 1 << 20, seed: 42, writeRatio: 0.5);
        var b = new AccessGenerator(pattern, 1 << 20, seed: 42, writeRatio: 0.5);
        var c = new AccessGenerator(pattern, 1 << 20, seed: 43, writeRatio: 0.5);
        int differ = 0;
        for (int i = 0; i < 1000; i++)
        {
            a.Next(out long pa, out bool wa);
            b.Next(out long pb, out bool wb);
            c.Next(out long pc, out _);
            Assert.Equal((pa, wa), (pb, wb));
            if (pc != pa)
                differ++;
        }
        Assert.True(differ > 500, $"seed 43 repeated seed 42's stream ({1000 - differ} of 1000 equal)");
    }

    [Fact]
    public void Next_AllocatesNothing()
    {
        var gens = new[]
        {
            new AccessGenerator(AccessPattern.Sequential, 1 << 30, 1, 0.5),
            new AccessGenerator(AccessPattern.Uniform, 1 << 20, 2, 0.5),
            new AccessGenerator(AccessPattern.Zipf, 1 << 20, 3, 0.5),
            new AccessGenerator(AccessPattern.Loop, 1 << 20, 4, 0.5),
            new AccessGenerator(AccessPattern.HotCold, 1 << 20, 5, 0.5),
            new AccessGenerator(AccessPattern.Stride, 1 << 20, 6, 0.5, stridePages: 16),
        };
        long sink = 0;
        void Draw()
        {
            for (int g = 0; g < gens.Length; g++)
            {
                for (int i = 0; i < 10_000; i++)
                {
                    gens[g].Next(out long page, out bool write);
                    sink += page + (write ? 1 : 0);
                }
            }
        }
        AllocationAssert.ZeroAllocations(Draw, Draw);
        Assert.NotEqual(0, sink);
    }
}
