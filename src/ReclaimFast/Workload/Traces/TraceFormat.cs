using System;

namespace ReclaimFast.Workload.Traces;

/// <summary>The trace file formats <see cref="TraceReader"/> understands (names as on the command line).</summary>
public enum TraceFormat
{
    /// <summary><c>lirs</c>: text, one page number per line; a line <c>*</c> is a marker and blank lines are skipped.</summary>
    Lirs,

    /// <summary><c>u32le</c>: raw little-endian uint32 block ids, each one 4 KiB page, all reads.</summary>
    U32Le,

    /// <summary><c>csv</c>: CloudPhysics vSCSI CSV <c>version,time,op,size,lbn</c>, requests split into 4 KiB pages.</summary>
    Csv,

    /// <summary><c>oracleGeneral</c>: libCacheSim's 24-byte binary records, all reads.</summary>
    OracleGeneral,
}

/// <summary>Names of <see cref="TraceFormat"/> values and their parser.</summary>
public static class TraceFormats
{
    /// <summary>The accepted names, for help and error text.</summary>
    public const string Names = "lirs|u32le|csv|oracleGeneral";

    /// <summary>The command-line name of <paramref name="format"/>.</summary>
    public static string Name(TraceFormat format) => format switch
    {
        TraceFormat.Lirs => "lirs",
        TraceFormat.U32Le => "u32le",
        TraceFormat.Csv => "csv",
        TraceFormat.OracleGeneral => "oracleGeneral",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown trace format"),
    };

    /// <summary>Parses a format name (case-insensitive); false for anything else.</summary>
    public static bool TryParse(string? name, out TraceFormat format)
    {
        foreach (TraceFormat f in (ReadOnlySpan<TraceFormat>)[TraceFormat.Lirs, TraceFormat.U32Le, TraceFormat.Csv, TraceFormat.OracleGeneral])
        {
            if (string.Equals(name, Name(f), StringComparison.OrdinalIgnoreCase))
            {
                format = f;
                return true;
            }
        }
        format = default;
        return false;
    }

    /// <summary>Parses a format name; a <see cref="FormatException"/> names the value and the accepted names.</summary>
    public static TraceFormat Parse(string? name) =>
        TryParse(name, out TraceFormat format)
            ? format
            : throw new FormatException($"--format: unknown trace format '{name}' (expected {Names})");
}
