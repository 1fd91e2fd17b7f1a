using System;
using ReclaimFast.Mm.Memcontrol;

namespace ReclaimFast.Workload.Scenario;

/// <summary>
/// Every memory-cgroup call the scenario runner makes, in one place: <c>Machine.MemCgroupCreate</c>,
/// <c>MemCgroupSetKnob</c>, <c>MemCgroupAttachTask</c> and <c>MemCgroupForceEmpty</c>. The machine's own errors (an
/// impossible limit, say) become one-line scenario errors naming the file.
/// </summary>
internal static class ScenarioMemcg
{
    /// <summary>Called before the machine boots when the scenario has memcgs: memory cgroups are always available.</summary>
    public static void EnsureAvailable(string source) => _ = source;

    /// <summary>Creates the cgroup <paramref name="spec"/> describes and sets its knobs (parents come first).</summary>
    public static void Create(Machine machine, string source, ScenarioMemcgSpec spec)
    {
        Do(source, () =>
        {
            machine.MemCgroupCreate(spec.Path);
            foreach ((ScenarioMemcgKnob knob, ulong bytes) in spec.Knobs)
                machine.MemCgroupSetKnob(spec.Path, ToKnob(knob), bytes);
        });
    }

    /// <summary>Moves <paramref name="task"/> into the cgroup at <paramref name="path"/> (before it maps anything).</summary>
    public static void AttachTask(Machine machine, string source, string path, EmulatedTask task) =>
        Do(source, () => machine.MemCgroupAttachTask(path, task));

    /// <summary>A <c>set_limit</c> event: writes <paramref name="bytes"/> (ulong.MaxValue = "max") to a knob.</summary>
    public static void SetKnob(Machine machine, string source, string path, ScenarioMemcgKnob knob, ulong bytes) =>
        Do(source, () => machine.MemCgroupSetKnob(path, ToKnob(knob), bytes));

    /// <summary>A <c>force_empty</c> event: <c>mem_cgroup_force_empty</c> of the cgroup.</summary>
    public static void ForceEmpty(Machine machine, string source, string path) =>
        Do(source, () => machine.MemCgroupForceEmpty(path));

    /// <summary>The scenario knob as the machine's (the two enums list the same knobs in the same order).</summary>
    internal static MemcgKnob ToKnob(ScenarioMemcgKnob knob) => knob switch
    {
        ScenarioMemcgKnob.Max => MemcgKnob.Max,
        ScenarioMemcgKnob.High => MemcgKnob.High,
        ScenarioMemcgKnob.Low => MemcgKnob.Low,
        ScenarioMemcgKnob.Min => MemcgKnob.Min,
        ScenarioMemcgKnob.SwapMax => MemcgKnob.SwapMax,
        ScenarioMemcgKnob.SoftLimit => MemcgKnob.SoftLimit,
        _ => throw new ArgumentOutOfRangeException(nameof(knob), knob, "unknown memcg knob"),
    };

    private static void Do(string source, Action action)
    {
        try
        {
            action();
        }
        catch (ArgumentException e)
        {
            throw new ScenarioException($"{source}: {e.Message}");
        }
    }
}
