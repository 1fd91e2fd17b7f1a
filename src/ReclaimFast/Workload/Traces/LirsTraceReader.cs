using System;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace ReclaimFast.Workload.Traces;

/// <summary>
/// The LIRS paper's page-reference traces (Jiang and Zhang, SIGMETRICS 2002): text, one decimal page
/// number per line, all reads. A line <c>*</c> is a marker and is skipped, as are blank lines; spaces,
/// tabs and a CR (CRLF files) around a value are ignored. Anything else is an error naming the line.
/// </summary>
internal sealed class LirsTraceReader : TraceReader
{
    public LirsTraceReader(TraceByteSource source)
        : base(source)
    {
    }

    public override TraceFormat Format => TraceFormat.Lirs;

    public override int Read(Span<TraceRecord> buffer)
    {
        TraceByteSource source = Source;
        int count = 0;
        while ((uint)count < (uint)buffer.Length && source.TryReadLine(out ReadOnlySpan<byte> line))
        {
            line = line.Trim(TextFields.Whitespace);
            if (line.IsEmpty || (line.Length == 1 && line[0] == (byte)'*'))
                continue;
            if (!Utf8Parser.TryParse(line, out ulong page, out int used) || used != line.Length)
                ThrowBadPage(line);
            buffer[count++] = new TraceRecord(page, AccessKind.Read);
        }
        RecordsRead += count;
        PagesRead += count;
        return count;
    }

    [DoesNotReturn]
    private void ThrowBadPage(ReadOnlySpan<byte> line) =>
        throw new TraceFormatException(Path, "line", Source.LineNumber, "not a page number", TraceByteSource.Printable(line));
}

/// <summary>Helpers shared by the text formats.</summary>
internal static class TextFields
{
    /// <summary>Bytes trimmed around a line or field.</summary>
    public static ReadOnlySpan<byte> Whitespace => " \t\r\f\v"u8;
}
