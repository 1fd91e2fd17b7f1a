using System;
using System.Runtime.CompilerServices;
using ReclaimFast.Workload.Scenario;

namespace ReclaimFast.Workload.Generators;

/// <summary>
/// A seeded stream of page indices in [0, <see cref="Pages"/>) following one <see cref="AccessPattern"/>, each with a
/// read/write decision. A mutable struct: keep it in a field and call <see cref="Next"/>; it allocates nothing.
/// </summary>
public struct AccessGenerator
{
    private readonly AccessPattern _pattern;
    private readonly long _pages;
    private readonly ZipfSampler _zipf;
    private readonly long _hotPages;
    private readonly double _hotProbability;
    private readonly long _stride;
    private readonly double _writeRatio;
    private GeneratorRandom _rng;
    private long _position;
    private long _strideOffset;

    /// <summary>
    /// Creates a generator over <paramref name="pages"/> pages. <paramref name="theta"/> is used by zipf,
    /// <paramref name="hotFraction"/>/<paramref name="hotProbability"/> by hot_cold, <paramref name="stridePages"/> by
    /// stride; <paramref name="writeRatio"/> is the probability that an access writes.
    /// </summary>
    public AccessGenerator(AccessPattern pattern, long pages, ulong seed, double writeRatio = 0, double theta = 0.99,
        double hotFraction = 0.2, double hotProbability = 0.8, long stridePages = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pages);
        if (writeRatio < 0 || writeRatio > 1)
            throw new ArgumentOutOfRangeException(nameof(writeRatio), writeRatio, "0..1");
        _pattern = pattern;
        _pages = pages;
        _rng = new GeneratorRandom(seed);
        _writeRatio = writeRatio;
        _zipf = pattern == AccessPattern.Zipf ? new ZipfSampler(pages, theta) : default;
        // At least one hot page, and at least one cold page when there are two or more.
        _hotPages = Math.Clamp((long)Math.Round(pages * hotFraction), 1, Math.Max(1, pages - 1));
        _hotProbability = hotProbability;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stridePages);
        _stride = Math.Min(stridePages, pages);
        _position = 0;
        _strideOffset = 0;
    }

    /// <summary>The number of pages the stream covers.</summary>
    public readonly long Pages => _pages;

    /// <summary>Whether a one-pass pattern (sequential) has gone past its last page.</summary>
    public readonly bool Finished => _pattern == AccessPattern.Sequential && _position >= _pages;

    /// <summary>
    /// The next page index and whether the access writes; false when the stream is finished (sequential, after its
    /// last page).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Next(out long page, out bool write)
    {
        switch (_pattern)
        {
            case AccessPattern.Sequential:
                if (_position >= _pages)
                {
                    page = -1;
                    write = false;
                    return false;
                }
                page = _position++;
                break;
            case AccessPattern.Loop:
                page = _position;
                if (++_position == _pages)
                    _position = 0;
                break;
            case AccessPattern.Uniform:
                page = (long)_rng.NextBelow((ulong)_pages);
                break;
            case AccessPattern.Zipf:
                page = _zipf.Next(ref _rng) - 1; // rank 1 is the hottest page, at the start of the range
                break;
            case AccessPattern.HotCold:
                page = _rng.NextDouble() < _hotProbability
                    ? (long)_rng.NextBelow((ulong)_hotPages)
                    : _hotPages + (long)_rng.NextBelow((ulong)(_pages - _hotPages));
                if (page >= _pages)
                    page = _pages - 1; // a one-page range: the hot page is the only page
                break;
            default: // Stride: o, o+s, o+2s, … below the end, then start over at o+1 (mod s): every page once per cycle
                page = _position;
                _position += _stride;
                if (_position >= _pages)
                {
                    _strideOffset = _strideOffset + 1 == _stride ? 0 : _strideOffset + 1;
                    _position = _strideOffset;
                }
                break;
        }
        write = _writeRatio != 0 && (_writeRatio >= 1 || _rng.NextDouble() < _writeRatio);
        return true;
    }
}
