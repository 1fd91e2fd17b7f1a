/*
 * reclaimfast_layout.h - a C mirror of the native descriptors ReclaimFast lays out in C#.
 *
 * Written for ReclaimFast from the field lists of Linux v5.4 include/linux/mm_types.h and types.h
 * (x86-64, CONFIG_MEMCG, no WANT_PAGE_VIRTUAL, !ALLOC_SPLIT_PTLOCKS). Only the union arms ReclaimFast
 * uses are spelled out; each is padded to the kernel's five-word union so every offset is the kernel's.
 * tests/ReclaimFast.Tests/Layout/NativeLayoutTests.cs compiles layout_dump.c and compares field by field.
 */
#ifndef RECLAIMFAST_LAYOUT_H
#define RECLAIMFAST_LAYOUT_H

#include <stdint.h>

struct list_head {
    struct list_head *next, *prev;
};

struct page {
    unsigned long flags;
    union {                                   /* five words (40 bytes) available */
        struct {                              /* page cache and anonymous pages */
            struct list_head lru;
            void *mapping;                    /* address_space* or anon_vma* | PAGE_MAPPING_ANON */
            unsigned long index;
            unsigned long private_;           /* 'private' in the kernel */
        };
        struct {                              /* tail pages of compound pages */
            unsigned long compound_head;      /* bit 0 set */
            unsigned char compound_dtor;      /* first tail page only */
            unsigned char compound_order;
            int compound_mapcount;
        };
        struct {                              /* page table pages */
            unsigned long _pt_pad_1;
            unsigned long pmd_huge_pte;
            unsigned long _pt_pad_2;
            void *pt_mm;
            unsigned int ptl;                 /* spinlock_t without debug: 4 bytes */
        };
        struct {                              /* slab (mm/slab.c arm) */
            struct list_head slab_list;       /* uses lru */
            void *slab_cache;                 /* struct kmem_cache* */
            void *freelist;                   /* SLAB: the slab's freelist_idx_t array */
            void *s_mem;                      /* SLAB: first object */
        };
    };
    union {                                   /* 4 bytes */
        int _mapcount;
        unsigned int page_type;
        unsigned int active;                  /* SLAB: objects in use */
    };
    int _refcount;
    void *mem_cgroup;
};

#endif
