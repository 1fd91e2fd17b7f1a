using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReclaimFast.Mm.Filemap;

/// <summary>
/// Mirrors <c>struct xa_node</c> (include/linux/xarray.h): 64 slots, its shift (0 for a leaf), its offset in
/// the parent, and the counts of non-null and value slots. Nodes come from a <see cref="NativePool{T}"/>,
/// so inserting and deleting allocate nothing on the GC heap. Marks are one 64-bit mask per mark
/// (<c>marks[XA_MAX_MARKS][XA_MARK_LONGS]</c> with one long per mark at 64 slots): bit i set when slot i's entry,
/// or some entry below slot i, carries the mark.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct XaNode
{
    /// <summary>XA_CHUNK_SHIFT.</summary>
    public const int ChunkShift = 6;
    /// <summary>XA_CHUNK_SIZE.</summary>
    public const int ChunkSize = 1 << ChunkShift;
    /// <summary>XA_CHUNK_MASK.</summary>
    public const int ChunkMask = ChunkSize - 1;

    /// <summary><c>parent</c> (also the pool's free-list link while free).</summary>
    public XaNode* Parent;
    /// <summary><c>shift</c>: bits of the index below this node's slots.</summary>
    public byte Shift;
    /// <summary><c>offset</c>: slot number in the parent.</summary>
    public byte Offset;
    /// <summary><c>count</c>: non-null slots.</summary>
    public byte Count;
    /// <summary><c>nr_values</c>: value-entry slots.</summary>
    public byte NrValues;
    /// <summary><c>slots</c>.</summary>
    public fixed ulong Slots[ChunkSize];
    /// <summary><c>array</c>: the xarray this node belongs to.</summary>
    public XArray* Array;
    /// <summary><c>private_list</c>: the workingset shadow-node list link (null/self when not on it).</summary>
    public Types.ListHead PrivateList;
    /// <summary>XA_MAX_MARKS.</summary>
    public const int MaxMarks = 3;
    /// <summary><c>marks</c>.</summary>
    public fixed ulong Marks[MaxMarks];
}

/// <summary>
/// The <c>xa_update_node_t</c> callback of an <c>xa_state</c> (<c>mapping_set_update</c>): called with a node whose
/// count or value count changed, and with count 0 just before a node is freed. The page cache passes
/// <c>workingset_update_node</c>.
/// </summary>
public unsafe struct XaUpdate
{
    /// <summary>The callback: (node, <see cref="Context"/>).</summary>
    public delegate*<XaNode*, void*, void> Fn;
    /// <summary>Its context.</summary>
    public void* Context;

    /// <summary><c>xas_update</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Call(XaUpdate* update, XaNode* node)
    {
        if (update != null)
            update->Fn(node, update->Context);
    }
}

/// <summary>
/// Mirrors <c>struct xarray</c> and the operations the page cache uses (lib/xarray.c): a radix tree from an
/// index to an entry. Entries are a <c>Page*</c> (64-byte aligned, low bits 0), a value entry
/// (<c>xa_mk_value</c>: bit 0 set — the page cache's shadow entries), or internally a node pointer | 2.
/// Only index 0 may live in the head without a node, as in the kernel.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct XArray
{
    /// <summary><c>xa_head</c>.</summary>
    public ulong Head;
    /// <summary>The mark bits of <c>xa_flags</c> (<c>XA_FLAGS_MARK</c>): bit m set while some entry carries mark m.</summary>
    public uint FlagsMarks;

    /// <summary><c>xa_mk_value</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MkValue(ulong v) => (v << 1) | 1;

    /// <summary><c>xa_to_value</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ToValue(ulong entry) => entry >> 1;

    /// <summary><c>xa_is_value</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValue(ulong entry) => (entry & 1) != 0;

    /// <summary><c>xa_is_node</c>: an internal entry above the reserved range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsNode(ulong entry) => (entry & 3) == 2 && entry > 4096;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static XaNode* ToNode(ulong entry) => (XaNode*)(entry - 2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MkNode(XaNode* node) => (ulong)node | 2;

    /// <summary>Largest index a tree whose top node has <paramref name="shift"/> can hold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MaxIndex(int shift) => shift + XaNode.ChunkShift >= 64 ? ulong.MaxValue : (1UL << (shift + XaNode.ChunkShift)) - 1;

    /// <summary>True when nothing is stored.</summary>
    public readonly bool Empty => Head == 0;

    /// <summary><c>xa_load</c>: the entry at <paramref name="index"/>, or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong Load(ulong index)
    {
        ulong entry = Head;
        if (!IsNode(entry))
            return index == 0 ? entry : 0;
        XaNode* node = ToNode(entry);
        if (index > MaxIndex(node->Shift))
            return 0;
        while (true)
        {
            entry = node->Slots[(int)(index >> node->Shift) & XaNode.ChunkMask];
            if (node->Shift == 0)
                return entry;
            if (!IsNode(entry))
                return 0;
            node = ToNode(entry);
        }
    }

    /// <summary>
    /// <c>xa_store</c> / <c>xa_erase</c> (entry 0): stores and returns the old entry. Nodes are added as the
    /// index needs them and freed (with the tree shrunk, <c>xas_shrink</c>) when they empty.
    /// </summary>
    public ulong Store(ulong index, ulong entry, ref NativePool<XaNode> pool, XaUpdate* update = null)
    {
        Debug.Assert(!IsNode(entry), "user entries must not look like internal node entries");
        if (entry == 0)
            return Erase(index, ref pool, update);
        XArray* self = (XArray*)Unsafe.AsPointer(ref this);
        // Grow upward until the top covers index (xas_expand).
        while (true)
        {
            ulong head = Head;
            if (head == 0 && index == 0)
            {
                Head = entry;
                return 0;
            }
            if (IsNode(head) && index <= MaxIndex(ToNode(head)->Shift))
                break;
            if (!IsNode(head) && head != 0 && index == 0)
            {
                Head = entry;
                if (IsValue(entry))
                    FlagsMarks = 0;
                return head;
            }
            XaNode* top = pool.Alloc();
            top->Array = self;
            if (head == 0)
            {
                top->Shift = 0;
            }
            else if (IsNode(head))
            {
                XaNode* child = ToNode(head);
                top->Shift = (byte)(child->Shift + XaNode.ChunkShift);
                top->Slots[0] = head;
                top->Count = 1;
                child->Parent = top;
                child->Offset = 0;
                CarryMarks(top);
            }
            else
            {
                top->Shift = 0;
                top->Slots[0] = head;
                top->Count = 1;
                top->NrValues = (byte)(IsValue(head) ? 1 : 0);
                CarryMarks(top);
                XaUpdate.Call(update, top);
            }
            Head = MkNode(top);
        }
        // Descend, creating nodes (xas_create).
        XaNode* node = ToNode(Head);
        while (node->Shift != 0)
        {
            int off = (int)(index >> node->Shift) & XaNode.ChunkMask;
            ulong next = node->Slots[off];
            if (next == 0)
            {
                XaNode* child = pool.Alloc();
                child->Array = self;
                child->Shift = (byte)(node->Shift - XaNode.ChunkShift);
                child->Parent = node;
                child->Offset = (byte)off;
                node->Slots[off] = MkNode(child);
                node->Count++;
                node = child;
            }
            else
            {
                node = ToNode(next);
            }
        }
        int slot = (int)index & XaNode.ChunkMask;
        ulong old = node->Slots[slot];
        node->Slots[slot] = entry;
        if (old == 0)
            node->Count++;
        node->NrValues = (byte)(node->NrValues + (IsValue(entry) ? 1 : 0) - (IsValue(old) ? 1 : 0));
        // A value entry (a shadow) replacing a page carries no marks (page_cache_delete's xas_init_marks); a page
        // replacing a page (migration) keeps them.
        if (IsValue(entry))
            InitMarks(node, slot);
        XaUpdate.Call(update, node);
        return old;
    }

    /// <summary>xas_expand's marks: the new top's slot 0 carries every mark the array had.</summary>
    private readonly void CarryMarks(XaNode* top)
    {
        for (int m = 0; m < XaNode.MaxMarks; m++)
        {
            if ((FlagsMarks & (1u << m)) != 0)
                top->Marks[m] |= 1;
        }
    }

    /// <summary><c>xas_init_marks</c> for one leaf slot: clear every mark there and up the tree.</summary>
    private void InitMarks(XaNode* leaf, int slot)
    {
        for (int m = 0; m < XaNode.MaxMarks; m++)
        {
            if ((leaf->Marks[m] & (1UL << slot)) != 0)
                ClearMarkFrom(leaf, slot, m);
        }
    }

    /// <summary>Clears mark <paramref name="m"/> at a leaf slot and, where a node has no marked slot left, in its parent.</summary>
    private void ClearMarkFrom(XaNode* node, int slot, int m)
    {
        while (true)
        {
            node->Marks[m] &= ~(1UL << slot);
            if (node->Marks[m] != 0)
                return;
            if (node->Parent == null)
            {
                FlagsMarks &= ~(1u << m);
                return;
            }
            slot = node->Offset;
            node = node->Parent;
        }
    }

    /// <summary>The leaf node holding <paramref name="index"/> and its slot, or null (head entry: null, slot −1).</summary>
    private readonly XaNode* LeafOf(ulong index, out int slot)
    {
        slot = -1;
        ulong entry = Head;
        if (!IsNode(entry))
            return null;
        XaNode* node = ToNode(entry);
        if (index > MaxIndex(node->Shift))
            return null;
        while (node->Shift != 0)
        {
            entry = node->Slots[(int)(index >> node->Shift) & XaNode.ChunkMask];
            if (!IsNode(entry))
                return null;
            node = ToNode(entry);
        }
        slot = (int)index & XaNode.ChunkMask;
        return node;
    }

    /// <summary><c>xa_set_mark</c>: marks the (present) entry at <paramref name="index"/>; nothing if there is none.</summary>
    public void SetMark(ulong index, int mark)
    {
        Debug.Assert((uint)mark < XaNode.MaxMarks);
        XaNode* node = LeafOf(index, out int slot);
        if (node == null)
        {
            if (index == 0 && Head != 0 && !IsNode(Head))
                FlagsMarks |= 1u << mark;
            return;
        }
        if (node->Slots[slot] == 0)
            return;
        while (true)
        {
            ulong bit = 1UL << slot;
            if ((node->Marks[mark] & bit) != 0)
                break;
            node->Marks[mark] |= bit;
            if (node->Parent == null)
                break;
            slot = node->Offset;
            node = node->Parent;
        }
        FlagsMarks |= 1u << mark;
    }

    /// <summary><c>xa_clear_mark</c>.</summary>
    public void ClearMark(ulong index, int mark)
    {
        Debug.Assert((uint)mark < XaNode.MaxMarks);
        XaNode* node = LeafOf(index, out int slot);
        if (node == null)
        {
            if (index == 0 && !IsNode(Head))
                FlagsMarks &= ~(1u << mark);
            return;
        }
        if ((node->Marks[mark] & (1UL << slot)) != 0)
            ClearMarkFrom(node, slot, mark);
    }

    /// <summary><c>xa_get_mark</c>.</summary>
    public readonly bool GetMark(ulong index, int mark)
    {
        XaNode* node = LeafOf(index, out int slot);
        if (node == null)
            return index == 0 && Head != 0 && !IsNode(Head) && (FlagsMarks & (1u << mark)) != 0;
        return (node->Marks[mark] & (1UL << slot)) != 0;
    }

    /// <summary><c>xa_marked</c>: whether any entry carries <paramref name="mark"/>.</summary>
    public readonly bool Marked(int mark) => (FlagsMarks & (1u << mark)) != 0;

    /// <summary>
    /// <c>xa_find(xa, &amp;index, max, mark)</c>: the first entry carrying <paramref name="mark"/> at an index in
    /// [<paramref name="index"/>, <paramref name="max"/>]; updates <paramref name="index"/>. 0 when there is none.
    /// </summary>
    public readonly ulong FindMarked(ref ulong index, ulong max, int mark)
    {
        if (!Marked(mark) || index > max)
            return 0;
        ulong head = Head;
        if (!IsNode(head))
            return index == 0 ? head : 0;
        XaNode* top = ToNode(head);
        if (index > MaxIndex(top->Shift))
            return 0;
        ulong found = FindMarkedIn(top, ref index, mark);
        return found != 0 && index <= max ? found : 0;
    }

    private static ulong FindMarkedIn(XaNode* node, ref ulong index, int mark)
    {
        int first = (int)(index >> node->Shift) & XaNode.ChunkMask;
        ulong baseIndex = node->Shift + XaNode.ChunkShift >= 64 ? 0 : index & ~((1UL << (node->Shift + XaNode.ChunkShift)) - 1);
        ulong bits = node->Marks[mark] & (ulong.MaxValue << first);
        while (bits != 0)
        {
            int off = System.Numerics.BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            ulong slotBase = baseIndex + ((ulong)off << node->Shift);
            ulong entry = node->Slots[off];
            if (node->Shift == 0)
            {
                index = slotBase;
                return entry;
            }
            ulong sub = off == first ? index : slotBase;
            ulong found = FindMarkedIn(ToNode(entry), ref sub, mark);
            if (found != 0)
            {
                index = sub;
                return found;
            }
        }
        return 0;
    }

    private ulong Erase(ulong index, ref NativePool<XaNode> pool, XaUpdate* update)
    {
        ulong head = Head;
        if (!IsNode(head))
        {
            if (index != 0)
                return 0;
            Head = 0;
            FlagsMarks = 0;
            return head;
        }
        XaNode* node = ToNode(head);
        if (index > MaxIndex(node->Shift))
            return 0;
        while (node->Shift != 0)
        {
            ulong next = node->Slots[(int)(index >> node->Shift) & XaNode.ChunkMask];
            if (!IsNode(next))
                return 0;
            node = ToNode(next);
        }
        int slot = (int)index & XaNode.ChunkMask;
        ulong old = node->Slots[slot];
        if (old == 0)
            return 0;
        InitMarks(node, slot); // xas_store(NULL) clears the entry's marks
        node->Slots[slot] = 0;
        node->Count--;
        if (IsValue(old))
            node->NrValues--;
        XaUpdate.Call(update, node);
        // xas_delete_node: free emptied nodes upward (each was already updated with count 0).
        while (node->Count == 0)
        {
            XaNode* parent = node->Parent;
            if (parent == null)
            {
                Head = 0;
                pool.Free(node);
                return old;
            }
            parent->Slots[node->Offset] = 0;
            parent->Count--;
            pool.Free(node);
            node = parent;
            XaUpdate.Call(update, node);
        }
        Shrink(ref pool, update);
        return old;
    }

    /// <summary><c>xas_shrink</c>: drop top nodes whose only entry is in slot 0.</summary>
    private void Shrink(ref NativePool<XaNode> pool, XaUpdate* update)
    {
        while (IsNode(Head))
        {
            XaNode* node = ToNode(Head);
            if (node->Count != 1)
                return;
            ulong entry = node->Slots[0];
            if (entry == 0)
                return;
            if (!IsNode(entry) && node->Shift != 0)
                return;
            if (IsNode(entry))
                ToNode(entry)->Parent = null;
            Head = entry;
            node->Count = 0;
            node->NrValues = 0;
            XaUpdate.Call(update, node);
            pool.Free(node);
        }
    }

    /// <summary>
    /// <c>xa_find</c>: the first non-null entry at an index ≥ <paramref name="index"/>; updates
    /// <paramref name="index"/> to it. Returns 0 when there is none.
    /// </summary>
    public readonly ulong Find(ref ulong index)
    {
        ulong head = Head;
        if (!IsNode(head))
        {
            if (head != 0 && index == 0)
                return head;
            return 0;
        }
        XaNode* top = ToNode(head);
        if (index > MaxIndex(top->Shift))
            return 0;
        return FindIn(top, ref index);
    }

    private static ulong FindIn(XaNode* node, ref ulong index)
    {
        int first = (int)(index >> node->Shift) & XaNode.ChunkMask;
        ulong baseIndex = node->Shift + XaNode.ChunkShift >= 64 ? 0 : index & ~((1UL << (node->Shift + XaNode.ChunkShift)) - 1);
        for (int off = first; off < XaNode.ChunkSize; off++)
        {
            ulong entry = node->Slots[off];
            if (entry == 0)
                continue;
            ulong slotBase = baseIndex + ((ulong)off << node->Shift);
            ulong start = off == first ? index : slotBase;
            if (node->Shift == 0)
            {
                index = slotBase;
                return entry;
            }
            ulong sub = start;
            ulong found = FindIn(ToNode(entry), ref sub);
            if (found != 0)
            {
                index = sub;
                return found;
            }
        }
        return 0;
    }

    /// <summary>The first index a node's slot 0 covers (its offsets up to the top, shifted by each parent's shift).</summary>
    public static ulong NodeBaseIndex(XaNode* node)
    {
        ulong index = 0;
        for (XaNode* n = node; n->Parent != null; n = n->Parent)
            index |= (ulong)n->Offset << n->Parent->Shift;
        return index;
    }

    /// <summary><c>xa_destroy</c>: frees every node (entries are the caller's), each updated with count 0 first.</summary>
    public void Destroy(ref NativePool<XaNode> pool, XaUpdate* update = null)
    {
        if (IsNode(Head))
            FreeTree(ToNode(Head), ref pool, update);
        Head = 0;
        FlagsMarks = 0;
    }

    private static void FreeTree(XaNode* node, ref NativePool<XaNode> pool, XaUpdate* update)
    {
        if (node->Shift != 0)
        {
            for (int i = 0; i < XaNode.ChunkSize; i++)
            {
                if (IsNode(node->Slots[i]))
                    FreeTree(ToNode(node->Slots[i]), ref pool, update);
            }
        }
        node->Count = 0;
        node->NrValues = 0;
        XaUpdate.Call(update, node);
        pool.Free(node);
    }
}
