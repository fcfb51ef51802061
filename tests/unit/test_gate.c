/* The request gate (modules/common/gate.c): the limit holds under contention,
 * waiting threads are admitted in the order they arrived, nobody is lost. */
#include "unit.h"
#include "gate.h"
#include "apr_general.h"
#include "apr_thread_proc.h"
#include "apr_time.h"

static maplat_gate_t *gate;
static int inside, most, entered;
static int order[64], norder;
static apr_thread_mutex_t *mu;

static void *APR_THREAD_FUNC crowd(apr_thread_t *t, void *data)
{
    (void)data;
    for (int i = 0; i < 200; i++) {
        maplat_gate_enter(gate);
        apr_thread_mutex_lock(mu);
        inside++;
        entered++;
        if (inside > most) {
            most = inside;
        }
        apr_thread_mutex_unlock(mu);
        apr_sleep(50);
        apr_thread_mutex_lock(mu);
        inside--;
        apr_thread_mutex_unlock(mu);
        maplat_gate_leave(gate);
    }
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static void *APR_THREAD_FUNC queued(apr_thread_t *t, void *data)
{
    maplat_gate_enter(gate);
    apr_thread_mutex_lock(mu);
    order[norder++] = (int)(apr_uintptr_t)data;
    apr_thread_mutex_unlock(mu);
    maplat_gate_leave(gate);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

int main(void)
{
    apr_pool_t *p;
    apr_thread_t *th[16];
    apr_status_t rv;

    apr_initialize();
    apr_pool_create(&p, NULL);
    apr_thread_mutex_create(&mu, APR_THREAD_MUTEX_DEFAULT, p);

    CHECK(maplat_gate_create(p, 0, 8) == NULL);
    CHECK(maplat_gate_create(p, 2, 0) == NULL);

    /* 12 threads, 200 passes each, through a gate of 3 */
    gate = maplat_gate_create(p, 3, 12);
    CHECK(gate != NULL);
    for (int i = 0; i < 12; i++) {
        apr_thread_create(&th[i], NULL, crowd, NULL, p);
    }
    for (int i = 0; i < 12; i++) {
        apr_thread_join(&rv, th[i]);
    }
    CHECK(entered == 12 * 200);
    CHECK(most >= 1 && most <= 3);
    CHECK(inside == 0);
    CHECK(maplat_gate_waiting(gate) == 0);
    printf("gate of 3: %d passes, at most %d inside at once\n", entered, most);

    /* first come, first served: the main thread holds the only place while
     * 8 threads arrive one after the other; then they pass in that order */
    gate = maplat_gate_create(p, 1, 9);
    maplat_gate_enter(gate);
    for (int i = 0; i < 8; i++) {
        apr_thread_create(&th[i], NULL, queued, (void *)(apr_uintptr_t)i, p);
        while (maplat_gate_waiting(gate) < (unsigned)i + 1) {
            apr_sleep(200);
        }
    }
    CHECK(maplat_gate_waiting(gate) == 8);
    CHECK(norder == 0);
    maplat_gate_leave(gate);
    for (int i = 0; i < 8; i++) {
        apr_thread_join(&rv, th[i]);
    }
    CHECK(norder == 8);
    for (int i = 0; i < norder; i++) {
        CHECK(order[i] == i);
    }
    CHECK(maplat_gate_waiting(gate) == 0);

    apr_pool_destroy(p);
    apr_terminate();
    UNIT_DONE();
}
