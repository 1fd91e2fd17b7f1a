using System;

namespace ReclaimFast.Workload.Generators;

/// <summary>
/// Draws ranks 1..n with P(k) = k^−θ / H(n, θ), H(n, θ) = Σ_{i=1..n} i^−θ, by rejection-inversion (W. Hörmann and
/// G. Derflinger, "Rejection-inversion to generate variates from monotone discrete distributions", ACM TOMACS 6(3),
/// 1996): O(1) set-up and expected O(1) per draw for any θ &gt; 0 and any n, with no table, so a 1M-page VMA costs
/// nothing to set up. The continuous hat is h(x) = x^−θ on [k − ½, k + ½]; a draw inverts its integral H(x), rounds
/// to the nearest rank and accepts when it falls under the discrete mass.
/// </summary>
public readonly struct ZipfSampler
{
    private readonly long _n;
    private readonly double _theta;
    private readonly double _hIntegralX1;
    private readonly double _hIntegralN;
    private readonly double _s;

    /// <summary>Creates a sampler over ranks 1..<paramref name="n"/> with exponent <paramref name="theta"/> &gt; 0.</summary>
    public ZipfSampler(long n, double theta)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (!(theta > 0) || double.IsInfinity(theta))
            throw new ArgumentOutOfRangeException(nameof(theta), theta, "θ must be greater than 0");
        _n = n;
        _theta = theta;
        _hIntegralX1 = HIntegral(1.5) - 1.0;
        _hIntegralN = HIntegral(n + 0.5);
        _s = 2.0 - HIntegralInverse(HIntegral(2.5) - H(2.0));
    }

    /// <summary>Number of ranks.</summary>
    public long N => _n;

    /// <summary>The exponent θ.</summary>
    public double Theta => _theta;

    /// <summary>Draws a rank in 1..<see cref="N"/>.</summary>
    public long Next(ref GeneratorRandom rng)
    {
        while (true)
        {
            double u = _hIntegralN + rng.NextDouble() * (_hIntegralX1 - _hIntegralN);
            double x = HIntegralInverse(u);
            long k = (long)(x + 0.5);
            if (k < 1)
                k = 1;
            else if (k > _n)
                k = _n;
            // Accept at once when k is close enough to x (the squeeze), else when u lies under the bar of rank k.
            if (k - x <= _s || u >= HIntegral(k + 0.5) - H(k))
                return k;
        }
    }

    /// <summary>h(x) = x^−θ.</summary>
    private double H(double x) => Math.Exp(-_theta * Math.Log(x));

    /// <summary>H(x) = ∫ h = (x^(1−θ) − 1) / (1 − θ), continued to ln x at θ = 1.</summary>
    private double HIntegral(double x)
    {
        double logX = Math.Log(x);
        return Expm1OverX((1.0 - _theta) * logX) * logX;
    }

    /// <summary>H⁻¹(y) = (1 + y(1 − θ))^(1/(1−θ)), continued to e^y at θ = 1.</summary>
    private double HIntegralInverse(double y)
    {
        double t = y * (1.0 - _theta);
        if (t < -1.0)
            t = -1.0; // rounding at the far tail
        return Math.Exp(Log1pOverX(t) * y);
    }

    /// <summary>ln(1 + x) / x, accurate near 0.</summary>
    private static double Log1pOverX(double x) =>
        Math.Abs(x) > 1e-8 ? Math.Log(1.0 + x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));

    /// <summary>(e^x − 1) / x, accurate near 0.</summary>
    private static double Expm1OverX(double x) =>
        Math.Abs(x) > 1e-8 ? (Math.Exp(x) - 1.0) / x : 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x));
}
