/*
 * layouts.h - layout builders that more than one integration program
 * spawns. They run in the layout child (see testkit.h); each program lists
 * the ones it uses in its own tk_layout table.
 */
#ifndef PMSTAT_LAYOUTS_H
#define PMSTAT_LAYOUTS_H

#include "testkit.h"

/*
 * The mix layout, in one reservation:
 *   anon  MIX_ANON private anonymous pages: MIX_W written, then MIX_Z read
 *         (the zero page, where the kernel maps it), the rest untouched;
 *   file  right after it, the seed scenario on a private mapping of the
 *         seed file (arg);
 *   hole  MIX_HOLE unmapped pages: no mapping at all;
 *   ro    MIX_RO untouched read-only anonymous pages;
 *   tail  right after it, MIX_TAIL read-write anonymous pages, the first
 *         MIX_TAIL_NONE untouched (in the same state as ro's), the rest
 *         written.
 */
#define MIX_ANON	96
#define MIX_W		64
#define MIX_Z		16
#define MIX_HOLE	4
#define MIX_RO		4
#define MIX_TAIL	8
#define MIX_TAIL_NONE	4

enum { MIX_AT_ANON, MIX_AT_FILE, MIX_AT_HOLE, MIX_AT_RO, MIX_AT_TAIL };

/* The seed file (arg) mapped MAP_PRIVATE: pages 0, 2 written, 3 read. */
void	layout_seed(const char *arg, struct tk_report *rep);
/* FORK_N anonymous pages written, fork(), the child writes FORK_K. */
void	layout_fork(const char *arg, struct tk_report *rep);
/* ZERO_N private anonymous pages only read. */
void	layout_zero(const char *arg, struct tk_report *rep);
/* SHM_N MAP_SHARED|MAP_ANONYMOUS pages, written. */
void	layout_shm(const char *arg, struct tk_report *rep);
/* THP_BYTES aligned to THP_ALIGN, MADV_HUGEPAGE, written. */
void	layout_thp(const char *arg, struct tk_report *rep);
/* All of the above in one process (slots AT_*); arg: the seed file. */
void	layout_all(const char *arg, struct tk_report *rep);
/* See MIX_* above. */
void	layout_mix(const char *arg, struct tk_report *rep);

/* Helpers for builders: the seed scenario at p; the THP region in slot. */
int	seed_at(const char *path, char *p, struct tk_report *rep, int slot);
int	build_thp_at(struct tk_report *rep, int slot);
/* Stay on one CPU; drain its LRU batch (kpageflags hold still after). */
int	pin_cpu(void);
int	drain_lru(void);

#endif
