/* procio.c - one reader for every array-of-u64 file under /proc */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>

#include "procio.h"

ssize_t
procio_read_words(int fd, uint64_t index, uint64_t *buf, size_t n)
{
	const uint64_t word = sizeof(uint64_t);
	size_t want, got = 0;

	/* pread's offset is a signed off_t: words past INT64_MAX / 8 are unreachable. */
	if (index > (uint64_t)INT64_MAX / word ||
	    n > ((uint64_t)INT64_MAX - index * word) / word || n > SSIZE_MAX / word)
		return -EOVERFLOW;
	want = n * word;
	while (got < want) {
		ssize_t r = pread(fd, (char *)buf + got, want - got,
		    (off_t)(index * word + got));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got % word != 0)
		return -EIO;
	return (ssize_t)(got / word);
}
