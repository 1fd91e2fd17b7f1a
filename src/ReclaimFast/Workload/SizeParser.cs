using System;
using System.Globalization;

namespace ReclaimFast.Workload;

/// <summary>
/// Parses sizes like <c>256MiB</c>, <c>1GiB</c>, <c>4096KiB</c>, <c>4g</c> or plain bytes, for the
/// command line and scenario files.
/// </summary>
/// <remarks>
/// Every suffix is binary (powers of 1024), case-insensitive: <c>K/KB/KiB</c>, <c>M/MB/MiB</c>,
/// <c>G/GB/GiB</c>, <c>T/TB/TiB</c>, and <c>B</c> or nothing for bytes. <c>MB</c> meaning 2^20 follows
/// the kernel's own <c>memparse</c> (lib/cmdline.c: <c>mem=512M</c>) and what people mean when they size
/// RAM; a size here is always memory, so a decimal reading would only surprise. Whitespace between the
/// number and the unit is allowed. The number is a non-negative decimal integer (no fractions,
/// no sign, no thousands separators); a result past 2^63 - 1 bytes is an error.
/// </remarks>
public static class SizeParser
{
    /// <summary>
    /// Parses <paramref name="value"/> as a size in bytes. A <see cref="FormatException"/> names
    /// <paramref name="field"/> (e.g. <c>--memory</c> or a scenario key) and the value.
    /// </summary>
    public static long Parse(string field, string? value) =>
        TryParse(value, out long bytes, out string? problem)
            ? bytes
            : throw new FormatException($"{field}: {problem}: '{value}' (expected e.g. 4096, 64KiB, 256MiB, 1GiB; K/M/G/T, KB/MB/GB/TB and KiB/MiB/GiB/TiB are all binary)");

    /// <summary>Parses a size; on failure <paramref name="problem"/> says why.</summary>
    public static bool TryParse(string? value, out long bytes, out string? problem)
    {
        bytes = 0;
        ReadOnlySpan<char> s = value.AsSpan().Trim();
        if (s.IsEmpty)
        {
            problem = "empty size";
            return false;
        }
        int digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits]))
            digits++;
        if (digits == 0)
        {
            problem = "size must start with a decimal number";
            return false;
        }
        if (!long.TryParse(s.Slice(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out long number))
        {
            problem = "size too large";
            return false;
        }
        ReadOnlySpan<char> unit = s.Slice(digits).TrimStart();
        if (!TryUnitShift(unit, out int shift))
        {
            problem = $"unknown unit '{unit.ToString()}'";
            return false;
        }
        if (number > (long.MaxValue >> shift))
        {
            problem = "size too large";
            return false;
        }
        bytes = number << shift;
        problem = null;
        return true;
    }

    private static bool TryUnitShift(ReadOnlySpan<char> unit, out int shift)
    {
        shift = 0;
        if (unit.IsEmpty || unit.Equals("B", StringComparison.OrdinalIgnoreCase))
            return true;
        shift = char.ToUpperInvariant(unit[0]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            _ => -1,
        };
        if (shift < 0)
            return false;
        ReadOnlySpan<char> rest = unit.Slice(1);
        return rest.IsEmpty
            || rest.Equals("B", StringComparison.OrdinalIgnoreCase)
            || rest.Equals("iB", StringComparison.OrdinalIgnoreCase);
    }
}
