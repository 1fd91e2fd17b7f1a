using System.Diagnostics.CodeAnalysis;

namespace ReclaimFast.Workload.Scenario;

/// <summary>
/// Every memory-cgroup call the scenario runner makes, in one place. This build has no memory cgroups on the
/// machine yet, so each method refuses; the memcg work wires them to <c>Machine.MemCgroupCreate</c>,
/// <c>MemCgroupSetKnob</c>, <c>MemCgroupAttachTask</c> and <c>MemCgroupForceEmpty</c>.
/// </summary>
internal static class ScenarioMemcg
{
    /// <summary>
    /// Called before the machine boots when the scenario has memcgs: refuses in this build, so that nothing runs
    /// partially. Once memcgs are wired this does nothing.
    /// </summary>
    public static void EnsureAvailable(string source) => NotAvailable(source);

    /// <summary>Creates the cgroup <paramref name="spec"/> describes and sets its knobs (parents come first).</summary>
    public static void Create(Machine machine, string source, ScenarioMemcgSpec spec) => NotAvailable(source);

    /// <summary>Moves <paramref name="task"/> into the cgroup at <paramref name="path"/> (before it maps anything).</summary>
    public static void AttachTask(Machine machine, string source, string path, EmulatedTask task) => NotAvailable(source);

    /// <summary>A <c>set_limit</c> event: writes <paramref name="bytes"/> (ulong.MaxValue = "max") to a knob.</summary>
    public static void SetKnob(Machine machine, string source, string path, ScenarioMemcgKnob knob, ulong bytes) => NotAvailable(source);

    /// <summary>A <c>force_empty</c> event: <c>mem_cgroup_force_empty</c> of the cgroup.</summary>
    public static void ForceEmpty(Machine machine, string source, string path) => NotAvailable(source);

    [DoesNotReturn]
    private static void NotAvailable(string source) =>
        throw new ScenarioException($"{source}: memcgs: not available in this build");
}
