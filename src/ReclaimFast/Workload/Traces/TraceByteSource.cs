using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;

namespace ReclaimFast.Workload.Traces;

/// <summary>
/// The byte layer under every trace reader: one reusable 64 KiB buffer over a (possibly gzip) stream,
/// with the unread bytes in <c>[_start, _end)</c>. Lines and records are handed out as spans into the
/// buffer, valid until the next <see cref="Fill"/>, so reading allocates nothing per record.
/// </summary>
internal sealed class TraceByteSource : IDisposable
{
    /// <summary>Buffer size; also the longest line a text format may have.</summary>
    public const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;
    private bool _eof;
    private long _delivered; // bytes taken from the stream so far, for corrupt-gzip messages

    /// <summary><c>gzipIsize</c> value for a gzip file too short to hold a header and a trailer.</summary>
    public const long GzipTooShort = -2;

    private readonly long _gzipIsize; // -1: not gzip; else the trailer's ISIZE checked at the end

    /// <param name="stream">The (decompressed) bytes.</param>
    /// <param name="path">Name in messages.</param>
    /// <param name="leaveOpen">Leave <paramref name="stream"/> open on Dispose.</param>
    /// <param name="gzipIsize">-1 when not gzip; else the uncompressed size mod 2^32 the gzip trailer
    /// promises (or <see cref="GzipTooShort"/>), checked when the stream ends.</param>
    public TraceByteSource(Stream stream, string path, bool leaveOpen, long gzipIsize = -1)
    {
        _stream = stream;
        Path = path;
        _leaveOpen = leaveOpen;
        _gzipIsize = gzipIsize;
    }

    /// <summary>The trace's name in messages.</summary>
    public string Path { get; }

    /// <summary>1-based number of the line last returned by <see cref="TryReadLine"/>.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The unread bytes currently buffered.</summary>
    public ReadOnlySpan<byte> Available
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_buffer, _start, _end - _start);
    }

    /// <summary>Consumes <paramref name="count"/> bytes of <see cref="Available"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count)
    {
        Debug.Assert((uint)count <= (uint)(_end - _start));
        _start += count;
    }

    /// <summary>
    /// Moves the unread bytes to the front and reads until the buffer is full or the stream ends.
    /// Returns false when no new byte arrived (end of stream).
    /// </summary>
    public bool Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        int before = _end;
        while (_end < _buffer.Length && !_eof)
        {
            int n;
            try
            {
                n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            }
            catch (InvalidDataException e)
            {
                ThrowCorrupt(e);
                return false;
            }
            if (n == 0)
            {
                _eof = true;
                if (_gzipIsize != -1 && _gzipIsize != (uint)_delivered)
                    ThrowGzipEndsEarly();
            }
            _end += n;
            _delivered += n;
        }
        return _end > before;
    }

    /// <summary>
    /// Returns the next line without its <c>\n</c> (a final line without one counts too) and bumps
    /// <see cref="LineNumber"/>; false at the end. The span is valid until the next call.
    /// </summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            ReadOnlySpan<byte> span = new(_buffer, _start, _end - _start);
            int nl = span.IndexOf((byte)'\n');
            if (nl >= 0)
            {
                line = span.Slice(0, nl);
                _start += nl + 1;
                LineNumber++;
                return true;
            }
            if (_eof)
            {
                line = span;
                if (span.IsEmpty)
                    return false;
                _start = _end;
                LineNumber++;
                return true;
            }
            if (_start == 0 && _end == _buffer.Length)
                ThrowLineTooLong(span);
            Fill();
        }
    }

    [DoesNotReturn]
    private void ThrowLineTooLong(ReadOnlySpan<byte> start) =>
        throw new TraceFormatException(Path, "line", LineNumber + 1, $"line longer than {BufferSize} bytes", Printable(start));

    [DoesNotReturn]
    private void ThrowGzipEndsEarly() =>
        throw new TraceFormatException(Path, "byte", _delivered,
            "gzip data truncated or corrupt: the decompressed size mod 2^32 differs from the trailer's ISIZE (multi-member gzip is not supported)",
            _gzipIsize == GzipTooShort ? "file too short for a gzip member" : $"ISIZE {_gzipIsize}");

    [DoesNotReturn]
    private void ThrowCorrupt(InvalidDataException e) =>
        throw new TraceFormatException(Path, "byte", _delivered, "corrupt gzip data", e.Message, e);

    /// <summary>
    /// A value for an error message: ASCII kept, other bytes as <c>\xNN</c>, cut at 64 bytes, so the
    /// message stays one printable line.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static string Printable(ReadOnlySpan<byte> value)
    {
        const int Max = 64;
        var sb = new StringBuilder();
        ReadOnlySpan<byte> shown = value.Length > Max ? value.Slice(0, Max) : value;
        foreach (byte b in shown)
        {
            if (b >= 0x20 && b < 0x7f)
                sb.Append((char)b);
            else
                sb.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        if (value.Length > Max)
            sb.Append("...");
        return sb.ToString();
    }

    public void Dispose()
    {
        if (!_leaveOpen)
            _stream.Dispose();
    }
}
