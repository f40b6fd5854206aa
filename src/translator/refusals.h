/* refusals.h - which guest instructions the translator leaves to the
 * interpreter, counted by mnemonic while -d stats is on (refusals.c). */
#ifndef BT86_TRANSLATOR_REFUSALS_H
#define BT86_TRANSLATOR_REFUSALS_H

#include <stdio.h>

struct block;
struct machine;

/* Count one execution of the instruction block b refused (a block of no
 * instruction, whose guest copy holds that instruction's bytes). Does
 * nothing unless -d stats is on, or when b is NULL. */
void refusals__note(const struct block *b);

/* Print the n mnemonics refused most often, with their counts. */
void refusals__print(FILE *f, unsigned n);

/* The bt engine's -d stats addition (engine.print_stats): the top 20,
 * then the callouts by kind (sys_callout__print). */
void refusals__print_stats(struct machine *m, FILE *f);

#endif
