/*
 * nm_unwind.h - the backtraces of reports: the one place nommu calls its unwinder
 * (libunwind).  Everything that needs a stack (a violation found in a call, a fault
 * caught by a signal handler) asks here, so how and when the unwinder is loaded is
 * this file's business alone.
 */
#ifndef NM_UNWIND_H
#define NM_UNWIND_H

/* The return addresses of the calling thread's stack, innermost first (this function's
 * caller is pcs[0] or near it); at most max.  Returns how many (0: none could be had). */
int nm_unwind_backtrace(void **pcs, int max);

/* From a signal handler: the stack of the code the signal interrupted, whose context
 * the kernel passed as the handler's third argument (a ucontext_t *).  pcs[0] is the
 * interrupted instruction.  Returns how many; 0 if the unwinder cannot start there. */
int nm_unwind_backtrace_signal(void *ucontext, void **pcs, int max);

#endif
