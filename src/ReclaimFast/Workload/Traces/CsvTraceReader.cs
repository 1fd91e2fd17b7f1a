using System;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace ReclaimFast.Workload.Traces;

/// <summary>
/// CloudPhysics vSCSI CSV as shipped in libCacheSim's data/: <c>version,time,op,size,lbn</c>, one block
/// request a line; <c>op</c> the SCSI opcode in hex (with or without <c>0x</c>), <c>size</c> in bytes,
/// <c>lbn</c> a 512-byte sector. Each request becomes the 4 KiB pages
/// <c>floor(lbn*512/4096)</c> .. <c>floor((lbn*512 + size - 1)/4096)</c>, in order.
/// </summary>
/// <remarks>
/// Choices made here: the first non-blank line is a header when its first field is not a number
/// (so header-less files work); blank lines are skipped; exactly five columns (fewer or more is an
/// error); <c>version</c> and <c>time</c> are not interpreted. Opcodes: the READ family
/// (READ(6) 0x08, READ(10) 0x28, READ(12) 0xa8, READ(16) 0x88) reads, the WRITE family (0x0a, 0x2a,
/// 0xaa, 0x8a) writes — the same data transfer with a different CDB length (SBC-3); any other opcode
/// (SYNCHRONIZE CACHE, INQUIRY, ...) moves no cached data we could model and is an error naming the
/// line. A size-0 request counts as a record but references no page (libCacheSim also skips size-0
/// requests by default).
/// </remarks>
internal sealed class CsvTraceReader : TraceReader
{
    private const string Columns = "version,time,op,size,lbn";

    private bool _sawFirstLine;
    private bool _pending;         // a request whose pages did not all fit the caller's buffer
    private ulong _nextPage;
    private ulong _lastPage;
    private AccessKind _kind;

    public CsvTraceReader(TraceByteSource source)
        : base(source)
    {
    }

    public override TraceFormat Format => TraceFormat.Csv;

    public override int Read(Span<TraceRecord> buffer)
    {
        int count = 0;
        while (count < buffer.Length)
        {
            if (_pending)
            {
                ulong left = _lastPage - _nextPage + 1;
                int n = left < (ulong)(buffer.Length - count) ? (int)left : buffer.Length - count;
                Span<TraceRecord> dest = buffer.Slice(count, n);
                for (int i = 0; i < dest.Length; i++)
                    dest[i] = new TraceRecord(_nextPage + (ulong)i, _kind);
                count += n;
                if ((ulong)n == left)
                    _pending = false;
                else
                    _nextPage += (ulong)n;
                continue;
            }
            if (!Source.TryReadLine(out ReadOnlySpan<byte> line))
                break;
            line = line.Trim(TextFields.Whitespace);
            if (line.IsEmpty)
                continue;
            if (!_sawFirstLine)
            {
                _sawFirstLine = true;
                if (IsHeader(line))
                    continue;
            }
            ParseRequest(line);
        }
        PagesRead += count;
        return count;
    }

    private static bool IsHeader(ReadOnlySpan<byte> line)
    {
        int comma = line.IndexOf((byte)',');
        ReadOnlySpan<byte> first = (comma < 0 ? line : line.Slice(0, comma)).Trim(TextFields.Whitespace);
        return !(Utf8Parser.TryParse(first, out ulong _, out int used) && used == first.Length);
    }

    private void ParseRequest(ReadOnlySpan<byte> line)
    {
        ReadOnlySpan<byte> rest = line;
        NextField(ref rest, line, 0);                        // version: not interpreted
        NextField(ref rest, line, 1);                        // time: not interpreted
        ReadOnlySpan<byte> op = NextField(ref rest, line, 2);
        ReadOnlySpan<byte> size = NextField(ref rest, line, 3);
        ReadOnlySpan<byte> lbn = NextField(ref rest, line, 4);

        AccessKind kind = ParseOpcode(op);
        if (!Utf8Parser.TryParse(size, out ulong bytes, out int used) || used != size.Length)
            ThrowBad("bad size (bytes, decimal)", size);
        if (!Utf8Parser.TryParse(lbn, out ulong sector, out used) || used != lbn.Length)
            ThrowBad("bad lbn (512-byte sector, decimal)", lbn);

        RecordsRead++;
        if (bytes == 0)
            return;
        if (sector > ulong.MaxValue / 512)
            ThrowBad("lbn past 2^64 bytes", lbn);
        ulong start = sector * 512;
        if (bytes - 1 > ulong.MaxValue - start)
            ThrowBad("request past 2^64 bytes", size);
        _nextPage = start >> PageShift;
        _lastPage = (start + bytes - 1) >> PageShift;
        _kind = kind;
        _pending = true;
    }

    private ReadOnlySpan<byte> NextField(ref ReadOnlySpan<byte> rest, ReadOnlySpan<byte> line, int index)
    {
        const int Last = 4;
        int comma = rest.IndexOf((byte)',');
        ReadOnlySpan<byte> field;
        if (index < Last)
        {
            if (comma < 0)
                ThrowColumns(line, $"missing column '{ColumnName(index + 1)}' (expected {Columns})");
            field = rest.Slice(0, comma);
            rest = rest.Slice(comma + 1);
        }
        else
        {
            if (comma >= 0)
                ThrowColumns(line, $"more than 5 columns (expected {Columns})");
            field = rest;
        }
        return field.Trim(TextFields.Whitespace);
    }

    private static string ColumnName(int index) => Columns.Split(',')[index];

    private AccessKind ParseOpcode(ReadOnlySpan<byte> op)
    {
        ReadOnlySpan<byte> hex = op;
        if (hex.Length > 2 && hex[0] == (byte)'0' && (hex[1] | 0x20) == (byte)'x')
            hex = hex.Slice(2);
        if (!Utf8Parser.TryParse(hex, out byte code, out int used, 'x') || used != hex.Length)
            ThrowBad("bad op (hex SCSI opcode)", op);
        switch (code)
        {
            case 0x08: // READ(6)
            case 0x28: // READ(10)
            case 0xa8: // READ(12)
            case 0x88: // READ(16)
                return AccessKind.Read;
            case 0x0a: // WRITE(6)
            case 0x2a: // WRITE(10)
            case 0xaa: // WRITE(12)
            case 0x8a: // WRITE(16)
                return AccessKind.Write;
            default:
                ThrowBad("unsupported SCSI opcode (only READ/WRITE 6/10/12/16: 08 28 a8 88 / 0a 2a aa 8a)", op);
                return default;
        }
    }

    [DoesNotReturn]
    private void ThrowBad(string problem, ReadOnlySpan<byte> value) =>
        throw new TraceFormatException(Path, "line", Source.LineNumber, problem, TraceByteSource.Printable(value));

    [DoesNotReturn]
    private void ThrowColumns(ReadOnlySpan<byte> line, string problem) =>
        throw new TraceFormatException(Path, "line", Source.LineNumber, problem, TraceByteSource.Printable(line));
}
