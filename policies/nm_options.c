/*
 * nm_options.c - NOMMU_OPTIONS parsing: "mode=report:mem=32M:rule=mmap-fixed=off".
 * Runs inside the preload before main, so: no malloc, no stdio, fixed buffers.
 */
#include "nm_policy.h"
#include "nm_text.h"
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PROFILE "riscv64-6.12"
#define DEFAULT_RAM (64u << 20)

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

const struct nm_option nm_options[] = {
#define OPTION(key, kind, field, arg, help) { #key, kind, offsetof(struct nm_config, field), arg, help },
#include "options.def"
#undef OPTION
};
const unsigned nm_option_count = sizeof(nm_options) / sizeof(nm_options[0]);

const struct nm_option *nm_option_find(const char *key, size_t len)
{
	for (unsigned i = 0; i < nm_option_count; i++)
		if (eq(key, len, nm_options[i].key))
			return &nm_options[i];
	return NULL;
}

/* The index of v in "a|b|c", or -1. */
static int choice(const char *v, size_t vlen, const char *choices)
{
	int i = 0;
	for (const char *p = choices;; i++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (n == vlen && memcmp(p, v, n) == 0)
			return i;
		if (!bar)
			return -1;
		p = bar + 1;
	}
}

/* rule=ID=ACTION: one rule's action, or every rule's with ID "all" */
static int set_rule(struct nm_config *c, const char *v, size_t vlen, const char *item, char *err, size_t errlen)
{
	const char *eq2 = memchr(v, '=', vlen);
	enum nm_action a;
	if (!eq2 || parse_action(eq2 + 1, vlen - (size_t)(eq2 - v) - 1, &a) < 0) {
		nm_strlcpy3(err, errlen, "bad rule option '", item, "': expected rule=ID=strict|report|off");
		return -1;
	}
	char id[64];
	size_t idlen = (size_t)(eq2 - v);
	if (idlen >= sizeof(id)) {
		nm_strlcpy3(err, errlen, "bad value in '", item, "'");
		return -1;
	}
	memcpy(id, v, idlen);
	id[idlen] = 0;
	int only = strcmp(id, "all") == 0 ? -1 : nm_rule_find(id);
	if (only < 0 && strcmp(id, "all") != 0) {
		nm_strlcpy3(err, errlen, "unknown rule '", id, "' (nommu-run --list-rules lists them)");
		return -1;
	}
	for (int r = 0; r < NM_RULE_COUNT; r++) {
		if (only >= 0 && r != only)
			continue;
		c->action[r] = (uint8_t)a;
		c->action_set[r] = true;
	}
	return 0;
}

/* The value v of option o into c; 1 for "bad value" (the caller says so), -1 with err set. */
static int set_option(struct nm_config *c, const struct nm_option *o, const char *v, size_t vlen, const char *item,
		      char *err, size_t errlen)
{
	void *field = (char *)c + o->offset;
	int i;
	switch (o->kind) {
	case NM_OPT_BOOL:
		return parse_bool(v, vlen, field) < 0;
	case NM_OPT_SIZE: {
		size_t sz = parse_size(v, vlen);
		if (!sz)
			return 1;
		*(size_t *)field = sz;
		return 0;
	}
	case NM_OPT_ORDER:
		return parse_uint(v, vlen, 20, field) < 0;
	case NM_OPT_COUNT:
		return parse_uint(v, vlen, UINT32_MAX, field) < 0;
	case NM_OPT_PID: {
		unsigned pid;
		if (parse_uint(v, vlen, 0x7fffffff, &pid) < 0 || pid == 0)
			return 1;
		*(long *)field = (long)pid;
		return 0;
	}
	case NM_OPT_PATHS:
		if (c->nskip == NM_SKIP_MAX) {
			nm_strlcpy3(err, errlen, "too many skip= options (at most 8)", "", "");
			return -1;
		}
		field = c->skip[c->nskip++];
		/* fall through */
	case NM_OPT_PATH:
		if (!vlen || vlen >= NM_OPT_PATH_MAX)
			return 1;
		memcpy(field, v, vlen);
		((char *)field)[vlen] = 0;
		return 0;
	case NM_OPT_MODE:
		if ((i = choice(v, vlen, "strict|report")) < 0)
			return 1;
		c->mode = i ? NM_MODE_REPORT : NM_MODE_STRICT;
		return 0;
	case NM_OPT_RULE:
		return set_rule(c, v, vlen, item, err, errlen);
	case NM_OPT_PROFILE: {
		char name[NM_PROFILE_NAME_MAX];
		const struct nm_profile *p = NULL;
		if (vlen < sizeof(name)) {
			memcpy(name, v, vlen);
			name[vlen] = 0;
			p = nm_profile_find(name);
		}
		if (!p) {
			nm_strlcpy3(err, errlen, "unknown profile in '", item,
				    "' (known: riscv64-6.12, coldfire-6.12)");
			return -1;
		}
		apply_profile(c, p);
		return 0;
	}
	case NM_OPT_PAGE_SIZE: {
		size_t ps = parse_size(v, vlen);
		if (!ps || (ps & (ps - 1)))
			return 1;
		if (ps > NM_PAGE_SIZE_MAX) {
			nm_strlcpy3(err, errlen, "bad value in '", item, "': page-size is at most 1M");
			return -1;
		}
		c->page_size = ps;
		return 0;
	}
	case NM_OPT_SHARED_TMPFS: {
		static const enum nm_contig contig[] = { NM_CONTIG_TRUNCATED, NM_CONTIG_ALWAYS, NM_CONTIG_NEVER };
		if ((i = choice(v, vlen, "truncated|always|never")) < 0)
			return 1;
		c->contig = contig[i];
		return 0;
	}
	case NM_OPT_PROC_MAPS:
		if ((i = choice(v, vlen, "device|host")) < 0)
			return 1;
		c->proc_maps = i == 0;
		return 0;
	case NM_OPT_FORK_ERRNO:
		if ((i = choice(v, vlen, "ENOSYS|EINVAL")) < 0)
			return 1;
		c->fork_errno = i ? EINVAL : ENOSYS;
		return 0;
	case NM_OPT_HEAP:
		if (choice(v, vlen, "fast|simple|uclibc|host") < 0)
			return 1;
		memcpy(c->heap, v, vlen);
		c->heap[vlen] = 0;
		return 0;
	}
	return 1;
}

/* one "key=value" item; item is not NUL-terminated */
static int parse_item(struct nm_config *c, const char *item, size_t len, char *err, size_t errlen)
{
	char copy[NM_OPT_PATH_MAX + 32];
	const char *eqs = memchr(item, '=', len);
	if (len >= sizeof(copy)) {
		nm_strlcpy3(err, errlen, "option too long: ", "", "");
		return -1;
	}
	memcpy(copy, item, len);
	copy[len] = 0;
	if (!eqs) {
		nm_strlcpy3(err, errlen, "option '", copy, "' needs a value (key=value)");
		return -1;
	}
	size_t klen = (size_t)(eqs - item);
	const struct nm_option *o = nm_option_find(item, klen);
	if (!o) {
		copy[klen] = 0;
		nm_strlcpy3(err, errlen, "unknown option '", copy, "'");
		return -1;
	}
	int r = set_option(c, o, eqs + 1, len - klen - 1, copy, err, errlen);
	if (r > 0)
		nm_strlcpy3(err, errlen, "bad value in '", copy, "'");
	return r ? -1 : 0;
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
		nm_strlcpy3(err, errlen, "page-size must be at least the host's page size", "", "");
		return -1;
	}
	if (c->ram_size < c->page_size * 16) {
		nm_strlcpy3(err, errlen, "mem is too small (at least 16 pages)", "", "");
		return -1;
	}
	if (c->ram_size / c->page_size > NM_RAM_MAX_PAGES) {
		/* "mem is too large: at most 2147483648 device pages (8 TiB with 4 KiB pages)" */
		char pages[24], kib[24], tib[24], tail[64];
		decimal(pages, NM_RAM_MAX_PAGES);
		decimal(kib, c->page_size >> 10);
		decimal(tib, (uint64_t)(NM_RAM_MAX_PAGES * c->page_size) >> 40);
		nm_strlcpy3(tail, sizeof(tail), tib, " TiB with ", kib);
		nm_strlcpy3(err, errlen, "mem is too large: at most ", pages, " device pages (");
		size_t used = strlen(err);
		nm_strlcpy3(err + used, errlen - used, tail, " KiB pages)", "");
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
