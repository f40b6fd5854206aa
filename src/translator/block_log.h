/* block_log.h - -d in_asm and -d out_asm under the translator (QEMU's
 * convention): each guest block as it is translated and the host code
 * produced, disassembled with Capstone, with the monitor's code named. */
#ifndef BT86_TRANSLATOR_BLOCK_LOG_H
#define BT86_TRANSLATOR_BLOCK_LOG_H

struct block;

/* Name the monitor code at host_addr (the entry and exit stubs, callouts
 * into C, shared stubs) for the out_asm listing: a jump or call there, or
 * an immediate equal to it, shows the name. (A jump to a block's own
 * out-of-line exits needs no name: the listing says where they go from
 * the exit word they load, block_log.c.) The name is copied;
 * naming an address again renames it. A name inside a block's own host
 * code (an out-of-line stub of the block being translated) is forgotten
 * once that block has been listed, so such names are given at each
 * translation; the others last for the run. Names are kept only while
 * -d out_asm is on (the log categories are set before any engine starts). */
void block_log__name(const void *host_addr, const char *name);

/* Log block b, just translated, to the log file: with -d in_asm its guest
 * instructions (linear address, bytes, disassembly in the guest's 16- or
 * 32-bit code size), with -d out_asm its host code (x86-64) with the
 * targets of jumps and calls named. A block of no instruction (one the
 * translator refuses) is shown as left to the interpreter. */
void block_log__block(const struct block *b);

#endif
