/* exit.c - bench-exit, the tiny static program the exec benchmark runs: exit(42), no C library. */

void _start(void)
{
    /* i386 Linux: exit is system call 1, through int 0x80. */
    __asm__ volatile("int $0x80" : : "a"(1), "b"(42));
    for (;;)
        ;
}
