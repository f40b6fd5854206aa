/* demo_probes.c - the rows of the Popek-Goldberg table: what each probe of
 * guests/probes/probes.asm measures and why trap-and-emulate gets it wrong. */
#include <stdio.h>

#include "cli/demo.h"

/* Same order as the `probes` table of probes.asm. */
const struct demo_probe demo_probes[] = {
    { "sgdt", "SGDT (GDT base)", 0, DK_BASE,
      "without UMIP it does not trap and stores the host's GDTR; with UMIP it faults but "
      "the host kernel answers it itself with a dummy base: a host value either way",
      "faults at host CPL 3 (UMIP) and reaches the VMM, which emulates it" },
    { "sgdt3", "SGDT (GDT base)", 3, DK_BASE,
      "same as ring 0: the host kernel's UMIP emulation answers with a dummy base",
      "faults at host CPL 3 (UMIP) and is emulated" },
    { "sidt", "SIDT (IDT base)", 0, DK_BASE,
      "the host kernel's UMIP emulation (or, without UMIP, the CPU) gives the host's "
      "IDT base, not the guest's",
      "faults at host CPL 3 (UMIP) and is emulated" },
    { "sidt3", "SIDT (IDT base)", 3, DK_BASE,
      "same as ring 0: a host value, not the guest's",
      "faults at host CPL 3 (UMIP) and is emulated" },
    { "sldt", "SLDT", 0, DK_SEL,
      "the host kernel's UMIP emulation answers with its own dummy selector",
      "faults at host CPL 3 (UMIP), the host kernel passes it on as SIGSEGV, the VMM "
      "emulates it" },
    { "str", "STR", 0, DK_SEL,
      "the host kernel's UMIP emulation answers with its own dummy selector",
      "faults at host CPL 3 (UMIP), the host kernel passes it on as SIGSEGV, the VMM "
      "emulates it" },
    { "smsw", "SMSW (CR0 low word)", 0, DK_WORD,
      "SMSW is not privileged; with UMIP the host kernel emulates it with a dummy CR0 "
      "(PE MP ET NE): the guest does not see its own CR0",
      "faults at host CPL 3 (UMIP) and is emulated" },
    { "smsw3", "SMSW (CR0 low word)", 3, DK_WORD,
      "same as ring 0: the host kernel's dummy CR0",
      "faults at host CPL 3 (UMIP) and is emulated" },
    { "pushf-if", "PUSHF after CLI (IF, IOPL)", 0, DK_FLAGS,
      "PUSHF never traps: it pushes the host's real flags, IF=1 (the VMM only cleared "
      "its virtual IF)",
      "" },
    { "pushf3-if", "PUSHF (IF, IOPL)", 3, DK_FLAGS,
      "PUSHF never traps: it pushes the host's real flags, IF=1", "" },
    { "popf-if0", "POPF clearing IF (the VMM's IF after)", 0, DK_FLAGS,
      "POPF at host CPL 3 leaves IF unchanged and raises no trap: the VMM never learns "
      "that the guest disabled interrupts",
      "" },
    { "popf-if1", "POPF setting IF (the VMM's IF after)", 0, DK_FLAGS,
      "POPF at host CPL 3 ignores IF silently: the guest's interrupts stay off", "" },
    { "popf-iopl3", "POPF setting IOPL=3 (the VMM's IOPL after)", 0, DK_FLAGS,
      "POPF at host CPL 3 ignores IOPL silently: no trap, the change is lost", "" },
    { "popf-iopl0", "POPF clearing IOPL (the VMM's IOPL after)", 0, DK_FLAGS,
      "POPF at host CPL 3 ignores IOPL silently: the guest keeps IOPL=3", "" },
    { "cli", "CLI (privileged at IOPL 0)", 0, DK_FLAGS,
      "",
      "a privileged instruction: #GP at host CPL 3, emulated (this is what trap-and-emulate "
      "is for)" },
    { "lar", "LAR of the guest's code selector", 0, DK_LOADED,
      "does not trap: it reads the host's descriptor table, where the guest's selector is a "
      "host ring-0 segment, refused at CPL 3",
      "" },
    { "lsl", "LSL of the guest's data selector", 0, DK_LOADED,
      "does not trap: the host's descriptor, refused at CPL 3", "" },
    { "verr", "VERR of the guest's data selector", 0, DK_ZF,
      "does not trap: checks the host's descriptor at host CPL 3", "" },
    { "verw", "VERW of the guest's data selector", 0, DK_ZF,
      "does not trap: checks the host's descriptor at host CPL 3", "" },
    { "push-cs", "PUSH CS", 0, DK_SEL,
      "does not trap: the guest sees the selector of the host segment it really runs in, "
      "with RPL 3 (ring 0 is deprivileged)",
      "" },
    { "push-cs3", "PUSH CS", 3, DK_SEL,
      "does not trap: the host segment's selector (TI=1: an LDT selector)", "" },
    { "push-ss", "PUSH SS", 0, DK_SEL, "does not trap: RPL 3 and the host's TI bit show", "" },
    { "push-ds", "PUSH DS", 0, DK_SEL, "does not trap: RPL 3 and the host's TI bit show", "" },
    { "mov-ds", "MOV EAX,DS", 0, DK_SEL, "does not trap: RPL 3 and the host's TI bit show", "" },
    { "mov-fs", "MOV FS,AX then MOV EAX,FS", 0, DK_SEL,
      "does not trap: FS holds the VMM's always-faulting segment", "" },
    { "pop-ss", "POP SS (then use the stack)", 0, DK_VALUE,
      "", "the guest's selector means a host ring-0 segment: #GP, emulated" },
    { "pop-ds", "POP DS (then read through DS)", 0, DK_VALUE,
      "", "the guest's selector means a host ring-0 segment: #GP, emulated" },
    { "jmp-far", "JMP far", 0, DK_DONE, "", "#GP at host CPL 3, emulated" },
    { "call-far", "CALL far (the CS it pushed)", 0, DK_SEL, "",
      "#GP at host CPL 3, emulated: the guest's CS is pushed" },
    { "ret-far", "RET far", 0, DK_DONE, "", "#GP at host CPL 3, emulated" },
    { "int", "INT n (the CS the handler sees)", 0, DK_SEL,
      "", "#GP through the host's IDT, emulated; the IRET too" },
    { "int3", "INT n (the CS the handler sees)", 3, DK_SEL,
      "", "#GP through the host's IDT, emulated; the IRET too" },
    { "int80", "INT 0x80 (past the guest's IDT limit)", 3, DK_VALUE,
      "",
      "would be a system call of the host kernel: a seccomp filter makes it trap, and it "
      "is emulated" },
    { "cpuid", "CPUID (vendor, first 4 bytes)", 0, DK_VENDOR,
      "does not trap (no CPUID faulting here): the guest sees the host CPU", "" },
    { "rdtsc", "RDTSC after WRMSR TSC=0 (high dword)", 0, DK_VALUE,
      "does not trap (CR4.TSD is clear on the host): the host's TSC, not the one the guest "
      "set (its WRMSR trapped and was emulated, to no avail)",
      "" },
    { "mov-cr0", "MOV EAX,CR0", 0, DK_BASE, "",
      "privileged: #GP at host CPL 3, emulated" },
    { "mov-cr03", "MOV EAX,CR0", 3, DK_VALUE, "",
      "#GP at host CPL 3; the VMM emulates it and delivers the guest's own #GP" },
};
const int demo_nprobes = sizeof(demo_probes) / sizeof(demo_probes[0]);

static const char *const exc_names[32] = {
    [0] = "#DE", [1] = "#DB", [3] = "#BP", [4] = "#OF", [5] = "#BR", [6] = "#UD",
    [7] = "#NM", [8] = "#DF", [10] = "#TS", [11] = "#NP", [12] = "#SS", [13] = "#GP",
    [14] = "#PF", [16] = "#MF", [17] = "#AC",
};

void demo__format(const struct demo_probe *p, uint32_t v, char *buf, size_t len)
{
    if ((v & 0xffff0000u) == 0xeeee0000u && (v & 0xffff) < 32) {
        const char *n = exc_names[v & 31];
        snprintf(buf, len, "%s", n ? n : "exception");
        return;
    }
    switch (p->kind) {
    case DK_BASE:
        snprintf(buf, len, "0x%08x", v);
        break;
    case DK_SEL:
        snprintf(buf, len, "0x%04x (RPL %u%s)", v & 0xffff, v & 3, (v & 4) ? ", LDT" : "");
        break;
    case DK_WORD:
        snprintf(buf, len, "0x%04x", v & 0xffff);
        break;
    case DK_FLAGS:
        snprintf(buf, len, "IF=%u IOPL=%u", (v >> 9) & 1, (v >> 12) & 3);
        break;
    case DK_ZF:
        snprintf(buf, len, "ZF=%u", v & 1);
        break;
    case DK_LOADED:
        if (v == 0x0bad0000u)
            snprintf(buf, len, "ZF=0 (refused)");
        else
            snprintf(buf, len, "ZF=1, 0x%08x", v);
        break;
    case DK_VALUE:
        snprintf(buf, len, "0x%x", v);
        break;
    case DK_VENDOR: {
        char s[5];
        for (int i = 0; i < 4; i++) {
            char c = (char)(v >> (8 * i));
            s[i] = c >= 0x20 && c < 0x7f ? c : '?';
        }
        s[4] = 0;
        snprintf(buf, len, "\"%s\"", s);
        break;
    }
    case DK_DONE:
        snprintf(buf, len, v == 1 ? "arrived" : "0x%x", v);
        break;
    }
}
