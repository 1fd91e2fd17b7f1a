using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;
using ReclaimFast.Workload.Traces;

namespace ReclaimFast.Tests.Workload;

/// <summary>Builds small in-memory traces and reads them back.</summary>
internal static class TraceTestData
{
    public static byte[] Text(string s) => Encoding.ASCII.GetBytes(s);

    public static byte[] Gzip(byte[] plain)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(plain);
        return ms.ToArray();
    }

    public static byte[] U32Le(params uint[] ids)
    {
        var bytes = new byte[ids.Length * 4];
        for (int i = 0; i < ids.Length; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), ids[i]);
        return bytes;
    }

    /// <summary>oracleGeneral records: (clock_time, obj_id, obj_size, next_access_vtime), 24 bytes packed.</summary>
    public static byte[] Oracle(params (uint Time, ulong Id, uint Size, long Next)[] records)
    {
        var bytes = new byte[records.Length * 24];
        for (int i = 0; i < records.Length; i++)
        {
            Span<byte> r = bytes.AsSpan(i * 24, 24);
            BinaryPrimitives.WriteUInt32LittleEndian(r, records[i].Time);
            BinaryPrimitives.WriteUInt64LittleEndian(r.Slice(4), records[i].Id);
            BinaryPrimitives.WriteUInt32LittleEndian(r.Slice(12), records[i].Size);
            BinaryPrimitives.WriteInt64LittleEndian(r.Slice(16), records[i].Next);
        }
        return bytes;
    }

    public static TraceReader Reader(byte[] data, TraceFormat format, string name = "t.trace") =>
        TraceReader.Create(new MemoryStream(data, writable: false), format, name);

    /// <summary>Reads everything, <paramref name="batch"/> records at a time.</summary>
    public static List<TraceRecord> ReadAll(byte[] data, TraceFormat format, int batch = 1024, string name = "t.trace")
    {
        using TraceReader reader = Reader(data, format, name);
        return ReadAll(reader, batch);
    }

    public static List<TraceRecord> ReadAll(TraceReader reader, int batch = 1024)
    {
        var all = new List<TraceRecord>();
        var buffer = new TraceRecord[batch];
        int n;
        while ((n = reader.Read(buffer)) > 0)
            all.AddRange(buffer.AsSpan(0, n));
        return all;
    }

    public static ulong[] Pages(List<TraceRecord> records) => records.ConvertAll(r => r.Page).ToArray();
}
