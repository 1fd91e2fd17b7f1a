/* Prints sizeof/offsetof of the mirrored structs as JSON: {"struct": {"size": N, "field": off, ...}, ...} */
#include <stddef.h>
#include <stdio.h>
#include "reclaimfast_layout.h"

#define FIELD(s, f, name) printf(", \"%s\": %zu", name, offsetof(struct s, f))

int main(void)
{
    printf("{\n  \"list_head\": {\"size\": %zu", sizeof(struct list_head));
    FIELD(list_head, next, "next");
    FIELD(list_head, prev, "prev");
    printf("},\n  \"page\": {\"size\": %zu", sizeof(struct page));
    FIELD(page, flags, "flags");
    FIELD(page, lru, "lru");
    FIELD(page, lru.next, "lru.next");
    FIELD(page, lru.prev, "lru.prev");
    FIELD(page, mapping, "mapping");
    FIELD(page, index, "index");
    FIELD(page, private_, "private");
    FIELD(page, compound_head, "compound_head");
    FIELD(page, compound_dtor, "compound_dtor");
    FIELD(page, compound_order, "compound_order");
    FIELD(page, compound_mapcount, "compound_mapcount");
    FIELD(page, pmd_huge_pte, "pmd_huge_pte");
    FIELD(page, pt_mm, "pt_mm");
    FIELD(page, ptl, "ptl");
    FIELD(page, slab_list, "slab_list");
    FIELD(page, slab_cache, "slab_cache");
    FIELD(page, freelist, "freelist");
    FIELD(page, s_mem, "s_mem");
    FIELD(page, active, "active");
    FIELD(page, _mapcount, "_mapcount");
    FIELD(page, page_type, "page_type");
    FIELD(page, _refcount, "_refcount");
    FIELD(page, mem_cgroup, "mem_cgroup");
    printf("}\n}\n");
    return 0;
}
