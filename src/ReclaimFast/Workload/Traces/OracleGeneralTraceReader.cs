using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace ReclaimFast.Workload.Traces;

/// <summary>
/// libCacheSim's <c>oracleGeneral</c> binary trace: packed little-endian 24-byte records
/// <c>{ uint32 clock_time; uint64 obj_id; uint32 obj_size; int64 next_access_vtime; }</c>, no header,
/// no operation field (all reads).
/// </summary>
/// <remarks>
/// What we relied on (libCacheSim, traceReader/customizedReader/oracle/oracleGeneralBin.h and reader.h):
/// item_size 24; fields read at byte offsets 0, 4, 12 and 16; a record with obj_size 0 is skipped when
/// <c>ignore_size_zero_req</c> is set, which is the reader's default — we skip it too (it still counts in
/// <see cref="TraceReader.RecordsRead"/>). clock_time and next_access_vtime (future knowledge for Belady)
/// are not used. Page mapping (our choice): obj_id is a 4 KiB block number, as in the block traces
/// converted to this format; an object of obj_size bytes covers ceil(obj_size/4096) consecutive pages
/// obj_id, obj_id+1, ... (like a csv request covering consecutive pages); so a 4 KiB object is one page.
/// If the ids are hashes rather than block numbers, a large object may overlap a neighbour id; page
/// numbers wrap past 2^64 - 1 (harmless for a cache: keys stay distinct).
/// </remarks>
internal sealed class OracleGeneralTraceReader : TraceReader
{
    private const int RecordSize = 24;

    private ulong _nextPage;     // a multi-page object that did not fit the caller's buffer
    private uint _pagesLeft;

    public OracleGeneralTraceReader(TraceByteSource source)
        : base(source)
    {
    }

    public override TraceFormat Format => TraceFormat.OracleGeneral;

    public override int Read(Span<TraceRecord> buffer)
    {
        TraceByteSource source = Source;
        int count = 0;
        while (count < buffer.Length)
        {
            if (_pagesLeft != 0)
            {
                int n = _pagesLeft < (uint)(buffer.Length - count) ? (int)_pagesLeft : buffer.Length - count;
                Span<TraceRecord> dest = buffer.Slice(count, n);
                for (int i = 0; i < dest.Length; i++)
                    dest[i] = new TraceRecord(unchecked(_nextPage + (ulong)i), AccessKind.Read);
                count += n;
                _nextPage = unchecked(_nextPage + (ulong)n);
                _pagesLeft -= (uint)n;
                continue;
            }
            ReadOnlySpan<byte> bytes = source.Available;
            if (bytes.Length < RecordSize)
            {
                if (source.Fill())
                    continue;
                if (!source.Available.IsEmpty)
                    ThrowTruncated(source.Available);
                break;
            }
            ulong objId = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(4));
            uint objSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(12));
            source.Advance(RecordSize);
            RecordsRead++;
            if (objSize == 0)
                continue; // libCacheSim's default ignore_size_zero_req
            if (objSize <= (uint)PageSize)
            {
                buffer[count++] = new TraceRecord(objId, AccessKind.Read);
                continue;
            }
            _nextPage = objId;
            _pagesLeft = (uint)(((ulong)objSize + PageSize - 1) >> PageShift);
        }
        PagesRead += count;
        return count;
    }

    [DoesNotReturn]
    private void ThrowTruncated(ReadOnlySpan<byte> tail) =>
        throw new TraceFormatException(Path, "record", RecordsRead + 1,
            $"truncated: {tail.Length} trailing byte(s), a record is {RecordSize} bytes", Convert.ToHexString(tail));
}
