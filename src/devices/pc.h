/* pc.h - the PC board: which devices a bt86 machine has and how they are wired. */
#ifndef BT86_DEVICES_PC_H
#define BT86_DEVICES_PC_H

#include <stdbool.h>

struct machine;
struct uart16550;
struct i8042;
struct port92;
struct pci_bus;
struct fw_cfg;
struct i8259;
struct i8254;
struct port61;
struct mc146818;

struct pc_config {
    bool com1;      /* COM1 present */
    int com1_fd;    /* where COM1's output goes (-1 discards) */
};

/* The board's devices, so the caller can feed input to them and free them. */
struct pc {
    struct uart16550 *com1;
    struct i8042 *kbc;
    struct port92 *port92;
    struct pci_bus *pci;
    struct fw_cfg *fw_cfg; /* loaders add the kernel, initrd and command line here */
    struct i8259 *pic;
    struct i8254 *pit;
    struct port61 *port61;
    struct mc146818 *rtc;
};

/* Create and register the board's devices on m. Returns 0 or -errno. */
int pc__init(struct machine *m, struct pc *pc, const struct pc_config *cfg);
void pc__destroy(struct pc *pc);

#endif
