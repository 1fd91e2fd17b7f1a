using System.Runtime.CompilerServices;

namespace ReclaimFast.Workload.Generators;

/// <summary>
/// A small seeded generator (xoshiro256** seeded through splitmix64) for access streams: a struct, so a generator
/// owns its stream and drawing allocates nothing. Independent of the machine's scheduler RNG, so adding a process
/// does not shift another process's accesses.
/// </summary>
public struct GeneratorRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the stream; nearby seeds give unrelated streams.</summary>
    public GeneratorRandom(ulong seed)
    {
        _s0 = SplitMix64(ref seed);
        _s1 = SplitMix64(ref seed);
        _s2 = SplitMix64(ref seed);
        _s3 = SplitMix64(ref seed);
    }

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="n"/>) (Lemire's multiply-shift; bias below 2^-64·n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextBelow(ulong n) => (ulong)(((System.UInt128)NextUInt64() * n) >> 64);

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
