using System;
using System.IO;
using Xunit;

namespace ReclaimFast.Tests.Workload;

/// <summary>
/// Finds the shared real traces: <c>../shared/traces/</c> beside the repository root (the directory
/// holding ReclaimFast.sln, found by walking up from the test assembly).
/// </summary>
internal static class TraceFiles
{
    private static readonly Lazy<string?> s_directory = new(Locate);

    /// <summary>The traces folder, or null when absent.</summary>
    public static string? Directory => s_directory.Value;

    /// <summary>Full path of a trace file (the folder must exist).</summary>
    public static string PathOf(string file) =>
        Path.Combine(Directory ?? throw new InvalidOperationException("shared traces folder is absent"), file);

    private static string? Locate()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ReclaimFast.sln")))
            {
                string traces = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "traces"));
                return System.IO.Directory.Exists(traces) ? traces : null;
            }
        }
        return null;
    }
}

/// <summary>
/// A fact that needs the shared traces: skipped with the reason when the folder (or the named file) is
/// absent. xunit 2 has no dynamic skip, so the constructor sets <see cref="FactAttribute.Skip"/>.
/// </summary>
public sealed class TraceFactAttribute : FactAttribute
{
    public TraceFactAttribute(params string[] files)
    {
        Skip = TraceSkip.Reason(files);
    }
}

/// <summary>The theory counterpart of <see cref="TraceFactAttribute"/>.</summary>
public sealed class TraceTheoryAttribute : TheoryAttribute
{
    public TraceTheoryAttribute(params string[] files)
    {
        Skip = TraceSkip.Reason(files);
    }
}

internal static class TraceSkip
{
    public static string? Reason(string[] files)
    {
        if (TraceFiles.Directory is null)
            return "shared traces folder not found (expected ../shared/traces beside the directory holding ReclaimFast.sln)";
        foreach (string file in files)
        {
            if (!File.Exists(Path.Combine(TraceFiles.Directory, file)))
                return $"shared trace '{file}' not found in {TraceFiles.Directory}";
        }
        return null;
    }
}
