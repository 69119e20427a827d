/* procio.h - reading the binary /proc files, which are arrays of 64-bit words */
#ifndef PMSTAT_PROCIO_H
#define PMSTAT_PROCIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Read up to n 64-bit words from fd, starting at word index. Short reads and
 * EINTR are retried, so fewer than n words come back only at end of file.
 * Returns the number of whole words read, or -errno: -EOVERFLOW when the byte
 * offset does not fit in off_t, -EIO when the file ends inside a word.
 */
ssize_t procio_read_words(int fd, uint64_t index, uint64_t *buf, size_t n);

#endif
