/* check_main.h - the main() every Check unit-test executable shares. */
#ifndef BT86_TESTS_CHECK_MAIN_H
#define BT86_TESTS_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* Define main() running the suite built by suite_fn. */
#define CHECK_MAIN(suite_fn)                                   \
    int main(void)                                             \
    {                                                          \
        SRunner *sr = srunner_create(suite_fn());              \
        srunner_run_all(sr, CK_NORMAL);                        \
        int failed = srunner_ntests_failed(sr);                \
        srunner_free(sr);                                      \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;      \
    }

#endif
