using System;

namespace ReclaimFast.Workload.Traces;

/// <summary>
/// A trace file is malformed. The message names the file, where (<see cref="Unit"/> and
/// <see cref="Number"/>: a 1-based line of a text format or record of a binary one) and the offending
/// value, on one line.
/// </summary>
public sealed class TraceFormatException : FormatException
{
    /// <summary>Creates the exception; the message is <c>path: unit number: problem: 'value'</c>.</summary>
    public TraceFormatException(string path, string unit, long number, string problem, string value, Exception? inner = null)
        : base($"{path}: {unit} {number}: {problem}: '{value}'", inner)
    {
        Path = path;
        Unit = unit;
        Number = number;
        Value = value;
    }

    /// <summary>The trace file (as given by the caller).</summary>
    public string Path { get; }

    /// <summary><c>line</c> or <c>record</c>.</summary>
    public string Unit { get; }

    /// <summary>The 1-based line or record number.</summary>
    public long Number { get; }

    /// <summary>The offending value, printable (control bytes escaped, long values cut).</summary>
    public string Value { get; }
}
