using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ReclaimFast.Mm.Types;

/// <summary>
/// Mirrors <c>struct list_head</c> (include/linux/types.h) and the operations of include/linux/list.h:
/// a circular doubly linked list of real native pointers, 16 bytes, embedded in the objects it links.
/// </summary>
/// <remarks>
/// Emulation is single-threaded per machine, so the kernel's WRITE_ONCE/READ_ONCE pairs are plain stores.
/// </remarks>
public unsafe struct ListHead
{
    /// <summary>LIST_POISON1 = 0x100 + POISON_POINTER_DELTA (x86-64: 0xdead000000000000), include/linux/poison.h.</summary>
    public const ulong ListPoison1 = 0xdead000000000100UL;

    /// <summary>LIST_POISON2 = 0x122 + POISON_POINTER_DELTA, include/linux/poison.h.</summary>
    public const ulong ListPoison2 = 0xdead000000000122UL;

    /// <summary><c>list_head.next</c> @0.</summary>
    public ListHead* Next;

    /// <summary><c>list_head.prev</c> @8.</summary>
    public ListHead* Prev;

    /// <summary><c>INIT_LIST_HEAD</c>: an empty list points at itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Init(ListHead* list)
    {
        list->Next = list;
        list->Prev = list;
    }

    /// <summary><c>list_empty</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Empty(ListHead* head) => head->Next == head;

    /// <summary><c>list_is_singular</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSingular(ListHead* head) => head->Next != head && head->Next == head->Prev;

    /// <summary><c>__list_add</c>: insert <paramref name="entry"/> between two known consecutive entries.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddBetween(ListHead* entry, ListHead* prev, ListHead* next)
    {
        Debug.Assert(next->Prev == prev && prev->Next == next, "list_add corruption");
        Debug.Assert(entry != prev && entry != next, "list_add double add");
        next->Prev = entry;
        entry->Next = next;
        entry->Prev = prev;
        prev->Next = entry;
    }

    /// <summary><c>list_add</c>: insert after <paramref name="head"/> (the front; stacks, LRU head).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(ListHead* entry, ListHead* head) => AddBetween(entry, head, head->Next);

    /// <summary><c>list_add_tail</c>: insert before <paramref name="head"/> (the back; queues).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddTail(ListHead* entry, ListHead* head) => AddBetween(entry, head->Prev, head);

    /// <summary><c>__list_del_entry</c>: unlink without poisoning.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DelEntry(ListHead* entry)
    {
        ListHead* prev = entry->Prev;
        ListHead* next = entry->Next;
        Debug.Assert(prev->Next == entry && next->Prev == entry, "list_del corruption");
        next->Prev = prev;
        prev->Next = next;
    }

    /// <summary>
    /// <c>list_del</c>: unlink and poison. The kernel always poisons; we poison in debug builds only, so a
    /// stale use still faults in tests while release hot paths skip the two stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Del(ListHead* entry)
    {
        DelEntry(entry);
        Poison(entry);
    }

    [Conditional("DEBUG")]
    private static void Poison(ListHead* entry)
    {
        entry->Next = (ListHead*)ListPoison1;
        entry->Prev = (ListHead*)ListPoison2;
    }

    /// <summary><c>list_del_init</c>: unlink and re-initialise as an empty list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DelInit(ListHead* entry)
    {
        DelEntry(entry);
        Init(entry);
    }

    /// <summary><c>list_move</c>: unlink and add at the front of <paramref name="head"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Move(ListHead* entry, ListHead* head)
    {
        DelEntry(entry);
        Add(entry, head);
    }

    /// <summary><c>list_move_tail</c>: unlink and add at the back of <paramref name="head"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MoveTail(ListHead* entry, ListHead* head)
    {
        DelEntry(entry);
        AddTail(entry, head);
    }

    private static void SpliceBetween(ListHead* list, ListHead* prev, ListHead* next)
    {
        ListHead* first = list->Next;
        ListHead* last = list->Prev;
        first->Prev = prev;
        prev->Next = first;
        last->Next = next;
        next->Prev = last;
    }

    /// <summary><c>list_splice</c>: join <paramref name="list"/> at the front of <paramref name="head"/> (list is left stale).</summary>
    public static void Splice(ListHead* list, ListHead* head)
    {
        if (!Empty(list))
            SpliceBetween(list, head, head->Next);
    }

    /// <summary><c>list_splice_tail</c>: join <paramref name="list"/> at the back of <paramref name="head"/>.</summary>
    public static void SpliceTail(ListHead* list, ListHead* head)
    {
        if (!Empty(list))
            SpliceBetween(list, head->Prev, head);
    }

    /// <summary><c>list_splice_init</c>: <see cref="Splice"/> then re-initialise <paramref name="list"/>.</summary>
    public static void SpliceInit(ListHead* list, ListHead* head)
    {
        if (!Empty(list))
        {
            SpliceBetween(list, head, head->Next);
            Init(list);
        }
    }

    /// <summary><c>list_splice_tail_init</c>.</summary>
    public static void SpliceTailInit(ListHead* list, ListHead* head)
    {
        if (!Empty(list))
        {
            SpliceBetween(list, head->Prev, head);
            Init(list);
        }
    }

    /// <summary>Counts the entries (O(n); for checkers and tests, not hot paths).</summary>
    public static long Count(ListHead* head)
    {
        long n = 0;
        for (ListHead* p = head->Next; p != head; p = p->Next)
            n++;
        return n;
    }
}
