using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using ReclaimFast.Mm.Types;
using Xunit;

namespace ReclaimFast.Tests.Layout;

/// <summary>
/// Holds the C# descriptor layouts against the C mirror in native-layout/ (STYLE.md example 4): the C
/// program is compiled with the machine's C compiler and its sizeof/offsetof JSON compared field by field.
/// </summary>
public sealed class NativeLayoutTests
{
    private static readonly Lazy<JsonDocument> s_dump = new(CompileAndRun);

    private static JsonDocument CompileAndRun()
    {
        string src = Path.Combine(AppContext.BaseDirectory, "native-layout", "layout_dump.c");
        Assert.True(File.Exists(src), $"native-layout source not copied to the test output: {src}");
        string dir = Path.Combine(Path.GetTempPath(), "reclaimfast-layout-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        string exe = Path.Combine(dir, "layout_dump");
        string compiler = FindCompiler();
        Run(compiler, $"-O2 -Wall -Wextra -Werror -o \"{exe}\" \"{src}\"");
        string json = Run(exe, "");
        Directory.Delete(dir, recursive: true);
        return JsonDocument.Parse(json);
    }

    private static string FindCompiler()
    {
        foreach (string cc in new[] { "cc", "gcc", "clang" })
        {
            foreach (string p in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            {
                if (p.Length > 0 && File.Exists(Path.Combine(p, cc)))
                    return Path.Combine(p, cc);
            }
        }
        throw new InvalidOperationException("no C compiler (cc, gcc or clang) on PATH: the layout test needs one");
    }

    private static string Run(string file, string args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {args} exited {p.ExitCode}: {stderr}");
        return stdout;
    }

    private static int C(string structName, string field) =>
        s_dump.Value.RootElement.GetProperty(structName).GetProperty(field).GetInt32();

    [Fact]
    public void ListHeadMatchesC()
    {
        Assert.Equal(C("list_head", "size"), Unsafe.SizeOf<ListHead>());
        Assert.Equal(C("list_head", "next"), (int)Marshal.OffsetOf<ListHead>(nameof(ListHead.Next)));
        Assert.Equal(C("list_head", "prev"), (int)Marshal.OffsetOf<ListHead>(nameof(ListHead.Prev)));
    }

    [Theory]
    [InlineData("flags", nameof(Page.Flags))]
    [InlineData("lru", nameof(Page.Lru))]
    [InlineData("mapping", nameof(Page.Mapping))]
    [InlineData("index", nameof(Page.Index))]
    [InlineData("private", nameof(Page.Private))]
    [InlineData("compound_head", nameof(Page.CompoundHeadWord))]
    [InlineData("compound_dtor", nameof(Page.CompoundDtor))]
    [InlineData("compound_order", nameof(Page.CompoundOrder))]
    [InlineData("compound_mapcount", nameof(Page.CompoundMapcount))]
    [InlineData("pmd_huge_pte", nameof(Page.PmdHugePte))]
    [InlineData("pt_mm", nameof(Page.PtMm))]
    [InlineData("ptl", nameof(Page.Ptl))]
    [InlineData("slab_list", nameof(Page.SlabList))]
    [InlineData("slab_cache", nameof(Page.SlabCache))]
    [InlineData("freelist", nameof(Page.Freelist))]
    [InlineData("s_mem", nameof(Page.SMem))]
    [InlineData("active", nameof(Page.Active))]
    [InlineData("_mapcount", nameof(Page.MapCount))]
    [InlineData("page_type", nameof(Page.PageType))]
    [InlineData("_refcount", nameof(Page.RefCount))]
    [InlineData("mem_cgroup", nameof(Page.MemCgroup))]
    public void PageFieldMatchesC(string cField, string csField) =>
        Assert.Equal(C("page", cField), (int)Marshal.OffsetOf<Page>(csField));

    [Fact]
    public void PageIs64BytesAsInC()
    {
        Assert.Equal(64, C("page", "size"));
        Assert.Equal(C("page", "size"), Unsafe.SizeOf<Page>());
        Assert.Equal(C("page", "lru.next"), (int)Marshal.OffsetOf<Page>(nameof(Page.Lru)) + (int)Marshal.OffsetOf<ListHead>(nameof(ListHead.Next)));
        Assert.Equal(C("page", "lru.prev"), (int)Marshal.OffsetOf<Page>(nameof(Page.Lru)) + (int)Marshal.OffsetOf<ListHead>(nameof(ListHead.Prev)));
    }
}
