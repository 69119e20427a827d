/* kpage.h - joining PFNs with /proc/kpagecount and /proc/kpageflags */
#ifndef PMSTAT_KPAGE_H
#define PMSTAT_KPAGE_H

#include <stddef.h>
#include <stdint.h>

struct kpage_slot;
struct twin;

/* Where one thread reads runs of words into. */
struct run_buf {
	uint64_t	*words;
	size_t		 cap;
};

/*
 * The map counts of the page frames read last, direct-mapped by PFN: the
 * processes of a family map mostly the same frames, and a run that reads
 * them one after the other would read each count once per process. --all
 * walks processes in PID order, which interleaves the families of a
 * machine: 8 families of 64 MiB are 128 Ki frames in flight, so the cache
 * holds 512 Ki counts (a slot is 8 bytes: 4 MiB, its pages touched only as
 * they are used).
 */
#define KPAGE_CACHE_BITS	19
/* A slot: (PFN >> KPAGE_CACHE_BITS) + 1 above the count's bits; 0 empty. */
#define KPAGE_CACHE_COUNT_BITS	24
struct kpage {
	int			 count_fd;	/* -1 when not wanted */
	int			 flags_fd;
	struct kpage_slot	*slots;
	struct kpage_slot	*tmp;		/* the radix sort's other half */
	size_t			 slots_cap;
	uint64_t		*run;
	size_t			 run_cap;
	struct twin		*twin;		/* not owned; NULL: one thread */
	struct run_buf		 twin_run;
	uint64_t		*cache;		/* NULL: every count is read */
	uint64_t		*miss_pfns;	/* the PFNs the cache lacked */
	size_t			*miss_idx;
	uint64_t		*miss_counts;
	size_t			 miss_cap;
	uint64_t		 gap;		/* words: closer PFNs share a read */
};

/*
 * Open kpagecount and kpageflags below procdir ("/proc"). Both need
 * CAP_SYS_ADMIN: returns 0, or -errno of the first open that failed (with
 * nothing left open).
 */
int	kpage_open(struct kpage *k, const char *procdir);

/* Use already open descriptors (tests hand in fixture files); k owns them. */
void	kpage_init_fds(struct kpage *k, int count_fd, int flags_fd);

/*
 * The gap, in words, below which two PFNs are read in one run: a system
 * call's cost over a word's. Pure.
 */
uint64_t	kpage_gap_for(double call_ns, double word_ns);

/*
 * Measure, with a few reads of the kpage files, what a system call and a
 * word cost here, and set k->gap from them: where system calls are costly
 * (a virtual machine: 1.5 us a pread), reading 20 words more is cheaper
 * than a second pread. Returns the gap chosen.
 */
uint64_t	kpage_tune(struct kpage *k);

/*
 * Look up n PFNs. For each i with pfns[i] != 0, flags[i] and counts[i] are
 * filled (either output may be NULL to skip that file); entries with pfn 0
 * are left alone. The PFNs are sorted and read in coalesced runs, so the cost
 * is a few syscalls per batch, not one per page. With k->twin set, a large
 * join is read by two threads, half each. A PFN past the end of the files reads as flags
 * KPF_NOPAGE, count 0. Returns 0 or -errno.
 */
int	kpage_join(struct kpage *k, const uint64_t *pfns, size_t n,
	    uint64_t *flags, uint64_t *counts);

/*
 * As kpage_join() for the counts alone, through a cache of the counts read
 * before in this run (k->cache, allocated on first use): a count is read
 * once per run, so a process's counts may be those of a moment earlier, when
 * another process of the run mapped the same frame.
 */
int	kpage_counts(struct kpage *k, const uint64_t *pfns, size_t n,
	    uint64_t *counts);

/*
 * Forget the counts kpage_counts() read so far: the next are read anew (a
 * watch's next sample must not see the map counts of the last).
 */
void	kpage_forget(struct kpage *k);

void	kpage_close(struct kpage *k);

#endif
