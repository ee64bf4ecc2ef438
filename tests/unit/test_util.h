/* test_util.h - engines for unit tests, and files on the kinds of filesystem rules care about. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include "nommu.h"
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <unistd.h>

#define PG 4096ul

static const struct nm_site here = { 0 };

/* An engine configured by an options string; reports go to report_fd (default /dev/null). */
static inline struct nm_engine *engine_with(const char *opts, int report_fd)
{
	struct nm_config c;
	char err[256];
	int e;
	nm_config_defaults(&c);
	ck_assert_msg(nm_config_parse(&c, opts, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(nm_config_finish(&c, err, sizeof(err)) == 0, "%s", err);
	struct nm_engine *en = nm_engine_create(&c, &e);
	ck_assert_ptr_nonnull(en);
	if (report_fd < 0)
		report_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	nm_engine_set_report_fd(en, report_fd);
	return en;
}

static inline int is_err(long r, int err)
{
	return r == -err;
}

/* A file of `pages` pages of pattern bytes in dir, created by write() or by ftruncate from 0. */
static inline int make_file(struct nm_engine *en, const char *dir, const char *name, size_t pages, int truncated,
			    char *path_out)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/nommu-unit-%d-%s", dir, (int)getpid(), name);
	if (path_out)
		strcpy(path_out, path);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	char *buf = malloc(pages * PG);
	for (size_t i = 0; i < pages * PG; i++)
		buf[i] = (char)(i * 7 + 1);
	if (truncated) {
		ck_assert_int_eq(nm_ftruncate(en, &here, fd, (off_t)(pages * PG)), 0);
		ck_assert_int_eq(pwrite(fd, buf, pages * PG, 0), (ssize_t)(pages * PG));
	} else {
		ck_assert_int_eq(write(fd, buf, pages * PG), (ssize_t)(pages * PG));
	}
	free(buf);
	return fd;
}

/* A directory on a disk filesystem (not tmpfs), for "regular file on ext4" rules. */
static inline const char *disk_dir(void)
{
	static const char *cands[] = { NOMMU_TEST_DISK_DIR, "/var/tmp", "/tmp", NULL };
	for (int i = 0; cands[i]; i++) {
		struct statfs s;
		if (statfs(cands[i], &s) == 0 && (unsigned long)s.f_type != 0x01021994 &&
		    (unsigned long)s.f_type != 0x858458f6 && access(cands[i], W_OK) == 0)
			return cands[i];
	}
	return NULL;
}

/* Run one suite (forked per test, as Check does by default); exit status for main(). */
static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
