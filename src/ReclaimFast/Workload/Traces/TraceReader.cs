using System;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.IO.Compression;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Workload.Traces;

/// <summary>
/// A streaming trace reader: each <see cref="Read"/> fills a caller-provided span of
/// <see cref="TraceRecord"/> (4 KiB page + access kind) from the file, through one reusable byte buffer,
/// so a replay allocates nothing per record. Gzip input is detected by its magic bytes (1f 8b) and
/// decompressed on the fly; plain files work too. Malformed input throws
/// <see cref="TraceFormatException"/> naming the file, line or record, and value.
/// </summary>
public abstract class TraceReader : IDisposable
{
    /// <summary>Page size of trace records: the machine's PAGE_SHIFT (<see cref="Pfn.PageShift"/>).</summary>
    public const int PageShift = Pfn.PageShift;

    /// <summary>PAGE_SIZE (<see cref="Pfn.PageSize"/>).</summary>
    public const int PageSize = Pfn.PageSize;

    private protected TraceReader(TraceByteSource source) => Source = source;

    private protected TraceByteSource Source { get; }

    /// <summary>The trace's name in messages (the path given to <see cref="Open"/>).</summary>
    public string Path => Source.Path;

    /// <summary>The format read.</summary>
    public abstract TraceFormat Format { get; }

    /// <summary>
    /// Source records consumed so far: page-number lines (lirs), requests (csv), binary records
    /// (u32le, oracleGeneral; size-0 oracleGeneral records included). Page references can be more (csv
    /// and oracleGeneral split large requests into pages).
    /// </summary>
    public long RecordsRead { get; private protected set; }

    /// <summary>Page references handed out so far.</summary>
    public long PagesRead { get; private protected set; }

    /// <summary>
    /// Fills <paramref name="buffer"/> with the next page references; returns how many were written,
    /// 0 only at the end of the trace (an empty buffer also gets 0).
    /// </summary>
    public abstract int Read(Span<TraceRecord> buffer);

    /// <summary>
    /// Opens <paramref name="path"/> for reading as <paramref name="format"/> (gzip detected by magic).
    /// A missing file throws <see cref="FileNotFoundException"/> whose message names the path.
    /// </summary>
    public static TraceReader Open(string path, TraceFormat format)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            ThrowNotFound(path, e);
            return null;
        }
        try
        {
            return Create(file, format, path, leaveOpen: false);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a trace from <paramref name="stream"/>, named <paramref name="name"/> in messages. Gzip is
    /// detected when the stream can seek (its first two bytes are peeked and the position restored);
    /// a non-seekable stream must be plain.
    /// </summary>
    public static TraceReader Create(Stream stream, TraceFormat format, string name, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        Stream input = stream;
        long gzipIsize = -1;
        if (stream.CanSeek && IsGzip(stream))
        {
            gzipIsize = ReadGzipIsize(stream);
            input = new GZipStream(stream, CompressionMode.Decompress, leaveOpen);
        }
        var source = new TraceByteSource(input, name, leaveOpen: leaveOpen && ReferenceEquals(input, stream), gzipIsize);
        return format switch
        {
            TraceFormat.Lirs => new LirsTraceReader(source),
            TraceFormat.U32Le => new U32LeTraceReader(source),
            TraceFormat.Csv => new CsvTraceReader(source),
            TraceFormat.OracleGeneral => new OracleGeneralTraceReader(source),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown trace format"),
        };
    }

    private static bool IsGzip(Stream stream)
    {
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        int n = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = start;
        return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    /// <summary>
    /// The gzip trailer's ISIZE (uncompressed length mod 2^32, RFC 1952), or <see cref="TraceByteSource.GzipTooShort"/>
    /// when the file cannot hold a header and a trailer. .NET's GZipStream returns a truncated stream's
    /// data without an error, so the byte source checks this at the end instead.
    /// </summary>
    private static long ReadGzipIsize(Stream stream)
    {
        const int MinimalMember = 18; // 10-byte header, empty deflate block is 2 more, 8-byte trailer
        long start = stream.Position;
        if (stream.Length - start < MinimalMember)
            return TraceByteSource.GzipTooShort;
        Span<byte> isize = stackalloc byte[4];
        stream.Position = stream.Length - 4;
        stream.ReadExactly(isize);
        stream.Position = start;
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(isize);
    }

    [DoesNotReturn]
    private static void ThrowNotFound(string path, Exception inner) =>
        throw new FileNotFoundException($"trace file not found: '{path}'", path, inner);

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        Source.Dispose();
        GC.SuppressFinalize(this);
    }
}
