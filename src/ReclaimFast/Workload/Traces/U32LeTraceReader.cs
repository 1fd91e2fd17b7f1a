using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace ReclaimFast.Workload.Traces;

/// <summary>
/// Raw little-endian uint32 block ids, 4 bytes each, one 4 KiB page per id, all reads (the LIRS2
/// authors' CloudPhysics block traces as kept in Caffeine's simulator). A length that is not a multiple
/// of 4 is a truncated last record and an error.
/// </summary>
internal sealed class U32LeTraceReader : TraceReader
{
    private const int RecordSize = sizeof(uint);

    public U32LeTraceReader(TraceByteSource source)
        : base(source)
    {
    }

    public override TraceFormat Format => TraceFormat.U32Le;

    public override int Read(Span<TraceRecord> buffer)
    {
        TraceByteSource source = Source;
        int count = 0;
        while (count < buffer.Length)
        {
            ReadOnlySpan<byte> bytes = source.Available;
            if (bytes.Length < RecordSize)
            {
                if (source.Fill())
                    continue;
                if (!source.Available.IsEmpty)
                    ThrowTruncated(source.Available);
                break;
            }
            int n = Math.Min(bytes.Length / RecordSize, buffer.Length - count);
            Span<TraceRecord> dest = buffer.Slice(count, n);
            for (int i = 0; i < dest.Length; i++)
                dest[i] = new TraceRecord(BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(i * RecordSize)), AccessKind.Read);
            source.Advance(n * RecordSize);
            count += n;
            RecordsRead += n;
        }
        PagesRead += count;
        return count;
    }

    [DoesNotReturn]
    private void ThrowTruncated(ReadOnlySpan<byte> tail) =>
        throw new TraceFormatException(Path, "record", RecordsRead + 1,
            $"truncated: {tail.Length} trailing byte(s), a record is {RecordSize} bytes", Convert.ToHexString(tail));
}
