/*
 * The request gate: a counting semaphore that admits in the order of arrival.
 *
 * Each arrival draws a ticket (tail++); ticket t may run while
 * t < released + limit, where released counts the places given up. A waiting
 * thread sleeps on the condition variable of its ticket's slot (t % slots), and
 * a release wakes only the slot of the ticket it admits: no thundering herd,
 * and the threads that wait are not runnable, so the CPUs go to the requests
 * being served (the reason for the gate: see docs/performance.md, "Tails").
 * Tickets outstanding never exceed the threads that can wait (slots), so two
 * waiting tickets never share a slot; the release still broadcasts on the slot,
 * and every waiter checks its own ticket, so even then no wake-up is lost.
 */
#include "gate.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"

struct maplat_gate {
    apr_thread_mutex_t *mu;
    apr_thread_cond_t **cv; /* by ticket % slots */
    apr_uint64_t tail;      /* the next ticket */
    apr_uint64_t released;  /* places given up so far */
    unsigned slots;
    unsigned limit;
};

maplat_gate_t *maplat_gate_create(apr_pool_t *p, unsigned limit, unsigned threads)
{
    maplat_gate_t *g;

    if (limit == 0 || threads == 0) {
        return NULL;
    }
    g = apr_pcalloc(p, sizeof(*g));
    g->limit = limit;
    g->slots = threads;
    g->cv = apr_pcalloc(p, sizeof(*g->cv) * threads);
    if (apr_thread_mutex_create(&g->mu, APR_THREAD_MUTEX_DEFAULT, p) != APR_SUCCESS) {
        return NULL;
    }
    for (unsigned i = 0; i < threads; i++) {
        if (apr_thread_cond_create(&g->cv[i], p) != APR_SUCCESS) {
            return NULL;
        }
    }
    return g;
}

void maplat_gate_enter(maplat_gate_t *g)
{
    apr_uint64_t ticket;

    apr_thread_mutex_lock(g->mu);
    ticket = g->tail++;
    while (ticket >= g->released + g->limit) {
        apr_thread_cond_wait(g->cv[ticket % g->slots], g->mu);
    }
    apr_thread_mutex_unlock(g->mu);
}

void maplat_gate_leave(maplat_gate_t *g)
{
    apr_uint64_t admitted;

    apr_thread_mutex_lock(g->mu);
    g->released++;
    admitted = g->released + g->limit - 1;
    if (admitted < g->tail) {
        apr_thread_cond_broadcast(g->cv[admitted % g->slots]);
    }
    apr_thread_mutex_unlock(g->mu);
}

unsigned maplat_gate_waiting(maplat_gate_t *g)
{
    apr_uint64_t n;

    apr_thread_mutex_lock(g->mu);
    n = g->tail - g->released;
    apr_thread_mutex_unlock(g->mu);
    return n > g->limit ? (unsigned)(n - g->limit) : 0;
}
