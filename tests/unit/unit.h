/* A minimal unit-test harness: CHECK(cond) records failures, UNIT_DONE() exits. */
#ifndef MAPLAT_UNIT_H
#define MAPLAT_UNIT_H
#include <stdio.h>
#include <stdlib.h>

static int unit_failures, unit_checks;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        unit_checks++;                                                                                       \
        if (!(cond)) {                                                                                       \
            unit_failures++;                                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                         \
        }                                                                                                    \
    } while (0)

#define UNIT_DONE()                                                                                          \
    do {                                                                                                     \
        printf("%d checks, %d failures\n", unit_checks, unit_failures);                                      \
        return unit_failures ? EXIT_FAILURE : EXIT_SUCCESS;                                                  \
    } while (0)
#endif
