/* kpf.h - the bits of /proc/kpageflags and their names */
#ifndef PMSTAT_KPF_H
#define PMSTAT_KPF_H

#include <stdint.h>

enum {
	KPF_LOCKED = 0, KPF_ERROR = 1, KPF_REFERENCED = 2, KPF_UPTODATE = 3,
	KPF_DIRTY = 4, KPF_LRU = 5, KPF_ACTIVE = 6, KPF_SLAB = 7,
	KPF_WRITEBACK = 8, KPF_RECLAIM = 9, KPF_BUDDY = 10, KPF_MMAP = 11,
	KPF_ANON = 12, KPF_SWAPCACHE = 13, KPF_SWAPBACKED = 14,
	KPF_COMPOUND_HEAD = 15, KPF_COMPOUND_TAIL = 16, KPF_HUGE = 17,
	KPF_UNEVICTABLE = 18, KPF_HWPOISON = 19, KPF_NOPAGE = 20, KPF_KSM = 21,
	KPF_THP = 22, KPF_OFFLINE = 23, KPF_ZERO_PAGE = 24, KPF_IDLE = 25,
	KPF_PGTABLE = 26,
	/* Kernel-internal bits, exposed but subject to change. */
	KPF_RESERVED = 32, KPF_MLOCKED = 33, KPF_MAPPEDTODISK = 34,
	KPF_PRIVATE = 35, KPF_PRIVATE_2 = 36, KPF_OWNER_PRIVATE = 37,
	KPF_ARCH = 38, KPF_UNCACHED = 39, KPF_SOFTDIRTY = 40, KPF_ARCH_2 = 41,
	KPF_ARCH_3 = 42,
	KPF_NBITS = 64
};

#define KPF_BIT(b)	(UINT64_C(1) << (b))

/* The lower-case name of a KPF bit (as page-types names it), or NULL. */
const char	*kpf_name(unsigned int bit);

#endif
