/*
 * nm_outfd.h - nommu's own descriptors (the report stream, the log): kept out of the
 * program's sight and reach.
 *
 * The program must see exactly the descriptor numbers it sees natively, and must not be
 * able to lose nommu's: they are parked above its descriptor limit (where neither open()
 * nor dup2() can reach), checked before each write (a raw close_range(2) can still close
 * them), and the preload's close/dup2/close_range wrappers step around them.
 */
#ifndef NM_OUTFD_H
#define NM_OUTFD_H

#include <stdbool.h>
#include <sys/types.h>

struct nm_engine;

/* What a descriptor of ours must still be when we write to it. */
struct nm_outfd {
	int fd; /* -1: none */
	dev_t dev;
	ino_t ino;
};

/* Move fd out of the program's way (close-on-exec); returns the new number, or fd.
 * *outside: it is above the program's descriptor limit, where nothing can reach it. */
int nm_fd_park(int fd, bool *outside);
/* Take ownership of fd (already parked): remember what it is. */
void nm_outfd_set(struct nm_outfd *o, int fd);
/* Is o->fd still the file we opened?  If not, forget it (o->fd = -1) and say so. */
bool nm_outfd_intact(struct nm_outfd *o);

/* For the preload's wrappers: is fd one of nommu's own (the program never opened it)? */
bool nm_engine_fd_is_own(struct nm_engine *e, int fd);
/* The program is about to make fd its own (dup2/dup3 onto it): move ours elsewhere. */
void nm_engine_fd_vacate(struct nm_engine *e, int fd);
/* The program's close_range(first, last): the real call is made around our
 * descriptors and up to NM_EXTRA_FDS extra ones (-1: none); call is the real close_range. */
#define NM_EXTRA_FDS 4
int nm_engine_close_range(struct nm_engine *e, unsigned first, unsigned last, int flags,
			  int (*call)(unsigned, unsigned, int), const int *extra, int nextra);

#endif
