/*
 * The request gate (MaplatConcurrency): at most `limit` holders at once; the
 * others wait first come, first served.
 */
#ifndef MAPLAT_GATE_H
#define MAPLAT_GATE_H

#include "apr_pools.h"

typedef struct maplat_gate maplat_gate_t;

/* A gate for `limit` holders at once, for up to `threads` threads (the ones
 * that may wait on it: a child's ThreadsPerChild). NULL when it cannot be
 * made (no threads, or too few resources). */
maplat_gate_t *maplat_gate_create(apr_pool_t *p, unsigned limit, unsigned threads);

/* Waits for a place (in the order of arrival), then holds it. */
void maplat_gate_enter(maplat_gate_t *g);

/* Gives the place up and wakes the one thread that arrived next. */
void maplat_gate_leave(maplat_gate_t *g);

/* How many threads wait at this moment. */
unsigned maplat_gate_waiting(maplat_gate_t *g);

#endif
