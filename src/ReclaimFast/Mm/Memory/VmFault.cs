using System;

namespace ReclaimFast.Mm.Memory;

/// <summary><c>vm_fault_t</c> bits (include/linux/mm_types.h, 5.4).</summary>
[Flags]
public enum VmFault
{
    /// <summary>Handled.</summary>
    None = 0,
    /// <summary>VM_FAULT_OOM.</summary>
    Oom = 0x000001,
    /// <summary>VM_FAULT_SIGBUS.</summary>
    SigBus = 0x000002,
    /// <summary>VM_FAULT_MAJOR: I/O was needed.</summary>
    Major = 0x000004,
    /// <summary>VM_FAULT_WRITE: a COW was broken (or the page reused).</summary>
    Write = 0x000008,
    /// <summary>VM_FAULT_SIGSEGV.</summary>
    SigSegv = 0x000040,
    /// <summary>VM_FAULT_LOCKED: <c>-&gt;fault</c> returned the page locked.</summary>
    Locked = 0x000200,
    /// <summary>VM_FAULT_ERROR mask.</summary>
    Error = Oom | SigBus | SigSegv,
}

/// <summary>FAULT_FLAG_* (include/linux/mm.h).</summary>
[Flags]
public enum FaultFlags
{
    /// <summary>A read access.</summary>
    None = 0,
    /// <summary>FAULT_FLAG_WRITE.</summary>
    Write = 0x01,
}

/// <summary>The <c>flags</c> of <c>mmap(2)</c> that ReclaimFast models (include/uapi/asm-generic/mman*.h).</summary>
[Flags]
public enum MapFlags
{
    /// <summary>MAP_SHARED.</summary>
    Shared = 0x01,
    /// <summary>MAP_PRIVATE.</summary>
    Private = 0x02,
    /// <summary>MAP_FIXED.</summary>
    Fixed = 0x10,
    /// <summary>MAP_ANONYMOUS.</summary>
    Anonymous = 0x20,
    /// <summary>MAP_LOCKED.</summary>
    Locked = 0x2000,
    /// <summary>MAP_POPULATE.</summary>
    Populate = 0x8000,
}

/// <summary>What the emulated hardware's access ended in.</summary>
public enum AccessResult
{
    /// <summary>The access completed (possibly after a fault).</summary>
    Ok,
    /// <summary>SIGSEGV: no VMA, or the VMA forbids the access.</summary>
    SegFault,
    /// <summary>SIGBUS: beyond the end of the file.</summary>
    BusError,
    /// <summary>The fault could not allocate memory (VM_FAULT_OOM).</summary>
    OutOfMemory,
}
