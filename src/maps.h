/* maps.h - parsing /proc/PID/maps */
#ifndef PMSTAT_MAPS_H
#define PMSTAT_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct maps_entry {
	uint64_t	 start;		/* first byte */
	uint64_t	 end;		/* one past the last byte */
	uint64_t	 offset;	/* file offset of start, in bytes */
	uint64_t	 inode;
	unsigned int	 dev_major;
	unsigned int	 dev_minor;
	char		 perms[5];	/* "rw-p", NUL-terminated */
	bool		 deleted;	/* path ended in " (deleted)" */
	const char	*path;		/* raw bytes, never NULL, "" if none */
	size_t		 path_len;
};

/*
 * Parse one line of /proc/PID/maps (without or with its trailing newline).
 * The line buffer is modified: e->path points into it, NUL-terminated, so
 * line[len] must be writable (getline's buffers are). Returns 0, or -EINVAL
 * when the line is not a maps line.
 */
int	maps_parse_line(char *line, size_t len, struct maps_entry *e);

/* True if the mapping is MAP_PRIVATE and backed by a file (inode != 0). */
bool	maps_entry_is_private_file(const struct maps_entry *e);

/*
 * True if the path names the kernel's MAP_HUGETLB mapping. Other hugetlbfs
 * mappings (memfd, SysV, mounted files) are known by their device: hugetlb.h.
 */
bool	maps_entry_is_hugetlb(const struct maps_entry *e);

#define MAPS_READ_BUF	(64 * 1024)

struct maps_reader {
	FILE	*fp;
	char	*buf;		/* fp's buffer */
	char	*line;
	size_t	 cap;
	size_t	 lineno;
};

/* Open a maps file; returns 0 or -errno. */
int	maps_open(struct maps_reader *r, const char *path);

/*
 * Read the next mapping. Returns 1 with *e filled (valid until the next call),
 * 0 at end of file, -errno on a read error, -EBADMSG on a malformed line.
 */
int	maps_next(struct maps_reader *r, struct maps_entry *e);

void	maps_close(struct maps_reader *r);

#endif
