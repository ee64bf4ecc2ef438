/*
 * nm_unwind.c - backtraces through libunwind (see nm_unwind.h).
 */
#include "nm_unwind.h"
#define UNW_LOCAL_ONLY /* this process's own stack: the light, local-only unwinder */
#include <libunwind.h>
#include <string.h>

int nm_unwind_backtrace(void **pcs, int max)
{
	int n = unw_backtrace(pcs, max);
	return n > 0 ? n : 0;
}

/* On the architectures nommu builds for (x86_64, aarch64 glibc), libunwind's
 * unw_context_t is the kernel's ucontext_t, so the signal's context is the cursor's
 * start: the first frame is the interrupted pc, not the signal trampoline. */
int nm_unwind_backtrace_signal(void *ucontext, void **pcs, int max)
{
	unw_cursor_t cur;
	int n = 0;
	if (!ucontext || unw_init_local2(&cur, (unw_context_t *)ucontext, UNW_INIT_SIGNAL_FRAME) < 0)
		return 0;
	do {
		unw_word_t ip;
		if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0 || !ip)
			break;
		pcs[n++] = (void *)ip;
	} while (n < max && unw_step(&cur) > 0);
	return n;
}
