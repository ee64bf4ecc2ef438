/*
 * nm_options.c - NOMMU_OPTIONS parsing: "mode=report:mem=32M:rule=mmap-fixed=off".
 * Runs inside the preload before main, so: no malloc, no stdio, fixed buffers.
 */
#include "nm_policy.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PROFILE "riscv64-6.12"
#define DEFAULT_RAM (64u << 20)

static void set_err(char *err, size_t n, const char *a, const char *b, const char *c)
{
	size_t k = 0;
	const char *parts[3] = { a, b, c };
	if (!n)
		return;
	for (int i = 0; i < 3; i++)
		for (const char *s = parts[i]; s && *s && k + 1 < n; s++)
			err[k++] = *s;
	err[k] = 0;
}

static void apply_profile(struct nm_config *c, const struct nm_profile *p)
{
	size_t n = strlen(p->name);
	memcpy(c->profile, p->name, n + 1);
	c->page_size = p->page_size;
	c->max_order = p->max_order;
	c->memfd_errno = p->memfd_errno;
	c->fork_errno = p->fork_errno;
}

void nm_config_defaults(struct nm_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = NM_MODE_STRICT;
	c->ram_size = DEFAULT_RAM;
	c->trim = 1; /* CONFIG_NOMMU_INITIAL_TRIM_EXCESS default */
	c->contig = NM_CONTIG_TRUNCATED;
	c->trace_children = true;
	c->mem_summary = true;
	memcpy(c->heap, "fast", 5);
	apply_profile(c, nm_profile_find(DEFAULT_PROFILE));
}

/* "64M", "4096", "8k", "1G" -> bytes; 0 on error */
static size_t parse_size(const char *s, size_t len)
{
	size_t v = 0, i = 0;
	if (!len)
		return 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > ((size_t)-1) / 10 - 9)
			return 0;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	if (i == 0)
		return 0;
	if (i < len) {
		unsigned shift;
		switch (s[i]) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		default:
			return 0;
		}
		i++;
		if (i < len && (s[i] == 'i' || s[i] == 'I'))
			i++; /* accept KiB/MiB spellings */
		if (i < len && (s[i] == 'b' || s[i] == 'B'))
			i++;
		if (i != len || v > ((size_t)-1 >> shift))
			return 0;
		v <<= shift;
	}
	return v;
}

/* a decimal number of any length up to max (leading zeros are fine); -1 otherwise */
static int parse_uint(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned v = 0;
	if (!len)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int eq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static int parse_bool(const char *s, size_t len, bool *out)
{
	if (eq(s, len, "yes") || eq(s, len, "1") || eq(s, len, "on") || eq(s, len, "true"))
		*out = true;
	else if (eq(s, len, "no") || eq(s, len, "0") || eq(s, len, "off") || eq(s, len, "false"))
		*out = false;
	else
		return -1;
	return 0;
}

static int parse_action(const char *s, size_t len, enum nm_action *a)
{
	if (eq(s, len, "strict"))
		*a = NM_ACT_STRICT;
	else if (eq(s, len, "report"))
		*a = NM_ACT_REPORT;
	else if (eq(s, len, "off"))
		*a = NM_ACT_OFF;
	else
		return -1;
	return 0;
}

/* one "key=value" item; item is not NUL-terminated */
static int parse_item(struct nm_config *c, const char *item, size_t len, char *err, size_t errlen)
{
	char copy[NM_OPT_PATH_MAX + 32];
	const char *eqs = memchr(item, '=', len);
	if (len >= sizeof(copy)) {
		set_err(err, errlen, "option too long: ", "", "");
		return -1;
	}
	memcpy(copy, item, len);
	copy[len] = 0;
	if (!eqs) {
		set_err(err, errlen, "option '", copy, "' needs a value (key=value)");
		return -1;
	}
	size_t klen = (size_t)(eqs - item);
	const char *v = eqs + 1;
	size_t vlen = len - klen - 1;

	if (eq(item, klen, "mode")) {
		if (eq(v, vlen, "strict"))
			c->mode = NM_MODE_STRICT;
		else if (eq(v, vlen, "report"))
			c->mode = NM_MODE_REPORT;
		else
			goto bad_value;
	} else if (eq(item, klen, "mem")) {
		size_t sz = parse_size(v, vlen);
		if (!sz)
			goto bad_value;
		c->ram_size = sz;
	} else if (eq(item, klen, "rule")) {
		const char *eq2 = memchr(v, '=', vlen);
		enum nm_action a;
		if (!eq2 || parse_action(eq2 + 1, vlen - (size_t)(eq2 - v) - 1, &a) < 0) {
			set_err(err, errlen, "bad rule option '", copy, "': expected rule=ID=strict|report|off");
			return -1;
		}
		char id[64];
		size_t idlen = (size_t)(eq2 - v);
		if (idlen >= sizeof(id))
			goto bad_value;
		memcpy(id, v, idlen);
		id[idlen] = 0;
		if (strcmp(id, "all") == 0) {
			for (int r = 0; r < NM_RULE_COUNT; r++) {
				c->action[r] = (uint8_t)a;
				c->action_set[r] = true;
			}
		} else {
			int r = nm_rule_find(id);
			if (r < 0) {
				set_err(err, errlen, "unknown rule '", id, "' (nommu-run --list-rules lists them)");
				return -1;
			}
			c->action[r] = (uint8_t)a;
			c->action_set[r] = true;
		}
	} else if (eq(item, klen, "profile")) {
		char name[NM_PROFILE_NAME_MAX];
		const struct nm_profile *p = NULL;
		if (vlen < sizeof(name)) {
			memcpy(name, v, vlen);
			name[vlen] = 0;
			p = nm_profile_find(name);
		}
		if (!p) {
			set_err(err, errlen, "unknown profile in '", copy, "' (known: riscv64-6.12, coldfire-6.12)");
			return -1;
		}
		apply_profile(c, p);
	} else if (eq(item, klen, "page-size")) {
		size_t ps = parse_size(v, vlen);
		if (!ps || (ps & (ps - 1)))
			goto bad_value;
		if (ps > NM_PAGE_SIZE_MAX) {
			set_err(err, errlen, "bad value in '", copy, "': page-size is at most 1M");
			return -1;
		}
		c->page_size = ps;
	} else if (eq(item, klen, "max-order")) {
		if (parse_uint(v, vlen, 20, &c->max_order) < 0)
			goto bad_value;
	} else if (eq(item, klen, "trim")) {
		if (parse_uint(v, vlen, UINT32_MAX, &c->trim) < 0)
			goto bad_value;
	} else if (eq(item, klen, "uninit")) {
		if (parse_bool(v, vlen, &c->uninit) < 0)
			goto bad_value;
	} else if (eq(item, klen, "shared-tmpfs")) {
		if (eq(v, vlen, "truncated"))
			c->contig = NM_CONTIG_TRUNCATED;
		else if (eq(v, vlen, "always"))
			c->contig = NM_CONTIG_ALWAYS;
		else if (eq(v, vlen, "never"))
			c->contig = NM_CONTIG_NEVER;
		else
			goto bad_value;
	} else if (eq(item, klen, "proc-maps")) {
		if (eq(v, vlen, "device"))
			c->proc_maps = true;
		else if (eq(v, vlen, "host"))
			c->proc_maps = false;
		else
			goto bad_value;
	} else if (eq(item, klen, "xip")) {
		if (parse_bool(v, vlen, &c->xip) < 0)
			goto bad_value;
	} else if (eq(item, klen, "fork-errno")) {
		if (eq(v, vlen, "ENOSYS"))
			c->fork_errno = ENOSYS;
		else if (eq(v, vlen, "EINVAL"))
			c->fork_errno = EINVAL;
		else
			goto bad_value;
	} else if (eq(item, klen, "log") || eq(item, klen, "suppressions") || eq(item, klen, "skip")) {
		char *dst = item[0] == 'l' ? c->log_path : item[1] == 'u' ? c->suppressions : NULL;
		if (!dst) {
			if (c->nskip == NM_SKIP_MAX) {
				set_err(err, errlen, "too many skip= options (at most 8)", "", "");
				return -1;
			}
			dst = c->skip[c->nskip++];
		}
		if (!vlen || vlen >= NM_OPT_PATH_MAX)
			goto bad_value;
		memcpy(dst, v, vlen);
		dst[vlen] = 0;
	} else if (eq(item, klen, "mem-summary")) {
		if (parse_bool(v, vlen, &c->mem_summary) < 0)
			goto bad_value;
	} else if (eq(item, klen, "quiet")) {
		if (parse_bool(v, vlen, &c->quiet) < 0)
			goto bad_value;
	} else if (eq(item, klen, "main-pid")) {
		long pid = 0;
		for (size_t i = 0; i < vlen && pid <= 0x7fffffff; i++)
			pid = v[i] >= '0' && v[i] <= '9' ? pid * 10 + (v[i] - '0') : 0x80000000L;
		if (!vlen || pid <= 0 || pid > 0x7fffffff)
			goto bad_value;
		c->main_pid = pid;
	} else if (eq(item, klen, "log-announce")) {
		if (parse_bool(v, vlen, &c->log_announce) < 0)
			goto bad_value;
	} else if (eq(item, klen, "gen-suppressions")) {
		if (parse_bool(v, vlen, &c->gen_suppressions) < 0)
			goto bad_value;
	} else if (eq(item, klen, "trace-children")) {
		if (parse_bool(v, vlen, &c->trace_children) < 0)
			goto bad_value;
	} else if (eq(item, klen, "heap")) {
		if (!(eq(v, vlen, "fast") || eq(v, vlen, "simple") || eq(v, vlen, "uclibc") || eq(v, vlen, "host")))
			goto bad_value;
		memcpy(c->heap, v, vlen);
		c->heap[vlen] = 0;
	} else {
		copy[klen] = 0;
		set_err(err, errlen, "unknown option '", copy, "'");
		return -1;
	}
	return 0;
bad_value:
	set_err(err, errlen, "bad value in '", copy, "'");
	return -1;
}

int nm_config_parse(struct nm_config *c, const char *opts, char *err, size_t errlen)
{
	const char *p = opts;
	if (!opts)
		return 0;
	while (*p) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len && parse_item(c, p, len, err, errlen) < 0)
			return -1;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

/* v in decimal, into buf (at least 21 bytes); returns buf */
static char *decimal(char *buf, uint64_t v)
{
	char rev[20];
	int k = 0;
	do
		rev[k++] = (char)('0' + v % 10);
	while ((v /= 10));
	for (int i = 0; i < k; i++)
		buf[i] = rev[k - 1 - i];
	buf[k] = 0;
	return buf;
}

int nm_config_finish(struct nm_config *c, char *err, size_t errlen)
{
	long host_page = sysconf(_SC_PAGESIZE);
	if (host_page > 0 && c->page_size < (size_t)host_page) {
		set_err(err, errlen, "page-size must be at least the host's page size", "", "");
		return -1;
	}
	if (c->ram_size < c->page_size * 16) {
		set_err(err, errlen, "mem is too small (at least 16 pages)", "", "");
		return -1;
	}
	if (c->ram_size / c->page_size > NM_RAM_MAX_PAGES) {
		/* "mem is too large: at most 2147483648 device pages (8 TiB with 4 KiB pages)" */
		char pages[24], kib[24], tib[24], tail[64];
		decimal(pages, NM_RAM_MAX_PAGES);
		decimal(kib, c->page_size >> 10);
		decimal(tib, (uint64_t)(NM_RAM_MAX_PAGES * c->page_size) >> 40);
		set_err(tail, sizeof(tail), tib, " TiB with ", kib);
		set_err(err, errlen, "mem is too large: at most ", pages, " device pages (");
		size_t used = strlen(err);
		set_err(err + used, errlen - used, tail, " KiB pages)", "");
		return -1;
	}
	for (int r = 0; r < NM_RULE_COUNT; r++) {
		if (c->action_set[r])
			continue;
		if (nm_rules[r].quiet)
			c->action[r] = NM_ACT_OFF;
		else
			c->action[r] = c->mode == NM_MODE_STRICT ? NM_ACT_STRICT : NM_ACT_REPORT;
	}
	return 0;
}
