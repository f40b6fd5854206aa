; probes.asm - the guest of `bt86 demo popek-goldberg`: one probe per
; sensitive x86 instruction, run at ring 0 and ring 3, each reporting one
; 32-bit result to the demo's port device (src/cli/demo_device.c).
;
; Protocol (ports of the demo device):
;   out PORT_ID, eax     the probe about to report (its number)
;   out PORT_VALUE, eax  the probe's result: what the guest saw
;   out PORT_VFLAGS, al  the result is the virtual machine's own EFLAGS.IF
;                        and IOPL (what the VMM believes, not what PUSHF says)
;   out PORT_CLOCK, al   0: start a host-time measurement; n>0: stop it as
;                        measurement n (timing loops at the end)
;   out PORT_DONE, al    all probes ran
; An exception in a probe reports 0xEEEE0000 + vector as its result.
; The numbering of probes is the order of the table in demo_probes.c.

bits 32
org 0x100000

PORT_VALUE  equ 0xe0
PORT_VFLAGS equ 0xe2
PORT_ID     equ 0xe4
PORT_CLOCK  equ 0xe6
PORT_DONE   equ 0xe8

KCODE   equ 0x08
KDATA   equ 0x10
UCODE   equ 0x1b
UDATA   equ 0x23
TSS_SEL equ 0x28
LDT_SEL equ 0x30

LOOPS   equ 20000       ; iterations of each timing loop

BASE     equ 0x100000
TSS_ADDR equ tss - $$ + BASE
LDT_ADDR equ ldt - $$ + BASE

mb_header:
    dd 0x1badb002, 0x00010000, -(0x1badb002 + 0x00010000)
    dd mb_header, BASE, load_end, bss_end, start

; ---- descriptor tables --------------------------------------------------
align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff               ; 0x08 ring-0 code, flat
    dq 0x00cf92000000ffff               ; 0x10 ring-0 data, flat
    dq 0x00cffa000000ffff               ; 0x18 ring-3 code, flat
    dq 0x00cff2000000ffff               ; 0x20 ring-3 data, flat
    dw 0x67, TSS_ADDR & 0xffff          ; 0x28 32-bit TSS
    db (TSS_ADDR >> 16) & 0xff, 0x89, 0, TSS_ADDR >> 24
    dw 15, LDT_ADDR & 0xffff            ; 0x30 LDT (two null entries)
    db (LDT_ADDR >> 16) & 0xff, 0x82, 0, LDT_ADDR >> 24
gdt_end:
gdtr: dw gdt_end - gdt - 1
      dd gdt
idtr: dw 0x32 * 8 - 1                   ; vectors 0..0x31: INT 0x80 is past the limit
      dd idt
ldt:  dq 0, 0
tss:  times 0x68 db 0

magic: dd 0x600df00d

; ---- start ----------------------------------------------------------------
start:
    cli
    lgdt [gdtr]
    jmp KCODE:.flat
.flat:
    mov ax, KDATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, kstack_top
    mov dword [tss + 8], KDATA          ; TSS.SS0
    call build_idt
    lidt [idtr]
    mov ax, TSS_SEL
    ltr ax
    mov ax, LDT_SEL
    lldt ax

    mov esi, probes
.next:
    mov edi, [esi]
    test edi, edi
    jz .timing
    mov eax, esi
    sub eax, probes
    shr eax, 2
    call run_probe
    add esi, 4
    jmp .next

.timing:
    call timing
    mov al, 0
    out PORT_DONE, al
.halt:
    hlt
    jmp .halt

; Gates: vectors 0..31 to the exception stubs, 0x30 the INT n probe's
; handler and 0x31 the way back from ring 3, both callable from ring 3.
build_idt:
    xor ecx, ecx
.loop:
    mov eax, [exc_stubs + ecx * 4]
    mov edx, 0x8e00                     ; present, DPL 0, 32-bit interrupt gate
    cmp ecx, 0x30
    jb .set
    mov edx, 0xee00                     ; DPL 3
.set:
    mov ebx, eax
    and eax, 0xffff
    or eax, KCODE << 16
    mov [idt + ecx * 8], eax
    and ebx, 0xffff0000
    or ebx, edx
    mov [idt + ecx * 8 + 4], ebx
    inc ecx
    cmp ecx, 0x32
    jb .loop
    ret

; Flags back to IF=0, IOPL=0 through IRET (which every engine executes
; faithfully), so each probe starts alike.
reset_flags:
    pop eax
    push dword 0x2
    push dword KCODE
    push eax
    iretd

; eax = probe number, edi = probe. The probe returns its result in EAX;
; an exception comes back through exc_common to run_probe's caller.
run_probe:
    out PORT_ID, eax
    call reset_flags
    mov [kesp], esp
    call edi
    out PORT_VALUE, eax
    ret

exc_common:
    pop eax                             ; the vector the stub pushed
    or eax, 0xeeee0000
    mov bx, KDATA
    mov ds, bx
    mov es, bx
    out PORT_VALUE, eax
    mov esp, [kesp]
    ret

%assign v 0
%rep 32
exc_ %+ v:
    push dword v
    jmp exc_common
%assign v v + 1
%endrep

; Ring 3: edi's caller passes the ring-3 code in ebx. It ends with INT 0x31
; and its result in EAX.
to_ring3:
    mov [tss + 4], esp                  ; TSS.ESP0
    push dword UDATA
    push dword ustack_top
    push dword 0x2                      ; IF=0, IOPL=0
    push dword UCODE
    push ebx
    mov dx, UDATA
    mov ds, dx
    mov es, dx
    iretd

from_ring3:                             ; INT 0x31
    mov bx, KDATA
    mov ds, bx
    mov es, bx
    mov esp, [kesp]
    sub esp, 4                          ; back into run_probe after its call
    ret

int30_handler:                          ; INT 0x30: report the CS it pushed
    mov eax, [esp + 4]
    iretd

%macro RING3 1                          ; a ring-3 probe running code %1
    mov ebx, %1
    jmp to_ring3
%endmacro

; ---- the probes (in the order of demo_probes.c) -------------------------
p_sgdt:     sgdt [buf]
            mov eax, [buf + 2]
            ret
p_sgdt3:    RING3 .r3
.r3:        sgdt [buf]
            mov eax, [buf + 2]
            int 0x31
p_sidt:     sidt [buf]
            mov eax, [buf + 2]
            ret
p_sidt3:    RING3 .r3
.r3:        sidt [buf]
            mov eax, [buf + 2]
            int 0x31
p_sldt:     xor eax, eax
            sldt ax
            ret
p_str:      xor eax, eax
            str ax
            ret
p_smsw:     xor eax, eax
            smsw ax
            ret
p_smsw3:    RING3 .r3
.r3:        xor eax, eax
            smsw ax
            int 0x31
p_pushf:    pushfd                      ; after reset_flags: IF=0, IOPL=0
            pop eax
            and eax, 0x3200
            ret
p_pushf3:   RING3 .r3
.r3:        pushfd
            pop eax
            and eax, 0x3200
            int 0x31
p_popf_if0: sti                         ; IF=1, then POPF clears it
            push dword 0x2
            popfd
            out PORT_VFLAGS, al
            pop eax                     ; run_probe's report is skipped
            ret
p_popf_if1: push dword 0x202            ; IF=0, POPF sets it
            popfd
            out PORT_VFLAGS, al
            cli
            pop eax
            ret
p_popf_iopl: push dword 0x3002          ; POPF sets IOPL=3
            popfd
            out PORT_VFLAGS, al
            pop eax
            ret
p_popf_iopl0: pushfd                    ; IOPL=3 through IRET, POPF clears it
            pop eax
            or eax, 0x3000
            push eax
            push dword KCODE
            push dword .set
            iretd
.set:       push dword 0x2
            popfd
            out PORT_VFLAGS, al
            pop eax
            ret
p_cli:      sti
            cli
            out PORT_VFLAGS, al
            pop eax
            ret
p_lar:      mov eax, 0x0bad0000
            lar eax, [sel_kcode]
            ret
p_lsl:      mov eax, 0x0bad0000
            lsl eax, [sel_kdata]
            ret
p_verr:     xor eax, eax
            verr [sel_kdata]
            setz al
            ret
p_verw:     xor eax, eax
            verw [sel_kdata]
            setz al
            ret
p_push_cs:  push cs
            pop eax
            movzx eax, ax
            ret
p_push_cs3: RING3 .r3
.r3:        push cs
            pop eax
            movzx eax, ax
            int 0x31
p_push_ss:  push ss
            pop eax
            movzx eax, ax
            ret
p_push_ds:  push ds
            pop eax
            movzx eax, ax
            ret
p_mov_ds:   mov eax, ds
            movzx eax, ax
            ret
p_mov_fs:   mov ax, KDATA
            mov fs, ax
            mov eax, fs
            movzx eax, ax
            ret
p_pop_ss:   push dword KDATA
            pop ss
            mov eax, [esp - 4]          ; the stack still works: KDATA
            ret
p_pop_ds:   push dword KDATA
            pop ds
            mov eax, [magic]
            ret
p_jmp_far:  xor eax, eax
            jmp KCODE:.there
.there:     mov eax, 1
            ret
p_call_far: call KCODE:.callee
            ret
.callee:    mov eax, [esp + 4]          ; the CS CALL pushed
            retf
p_ret_far:  xor eax, eax
            push dword KCODE
            push dword .back
            retf
.back:      mov eax, 1
            ret
p_int:      int 0x30
            ret
p_int3:     RING3 .r3
.r3:        int 0x30
            int 0x31
p_int80_3:  RING3 .r3
.r3:        mov eax, 1                  ; exit() if it reached a Linux host
            mov ebx, 42
            int 0x80
            int 0x31
p_cpuid:    xor eax, eax
            cpuid
            mov eax, ebx
            ret
p_rdtsc:    xor eax, eax                ; WRMSR IA32_TIME_STAMP_COUNTER = 0
            xor edx, edx
            mov ecx, 0x10
            wrmsr
            rdtsc                       ; so the high dword is 0 for seconds
            mov eax, edx
            ret
p_mov_cr0:  mov eax, cr0
            ret
p_mov_cr0_3: RING3 .r3
.r3:        mov eax, cr0
            int 0x31

probes:
    dd p_sgdt, p_sgdt3, p_sidt, p_sidt3, p_sldt, p_str, p_smsw, p_smsw3
    dd p_pushf, p_pushf3, p_popf_if0, p_popf_if1, p_popf_iopl, p_popf_iopl0, p_cli
    dd p_lar, p_lsl, p_verr, p_verw
    dd p_push_cs, p_push_cs3, p_push_ss, p_push_ds, p_mov_ds, p_mov_fs, p_pop_ss, p_pop_ds
    dd p_jmp_far, p_call_far, p_ret_far, p_int, p_int3, p_int80_3
    dd p_cpuid, p_rdtsc, p_mov_cr0, p_mov_cr0_3
    dd 0

exc_stubs:
%assign v 0
%rep 32
    dd exc_ %+ v
%assign v v + 1
%endrep
    times 0x30 - 32 dd exc_0            ; unused vectors
    dd int30_handler, from_ring3

sel_kcode: dw KCODE
sel_kdata: dw KDATA

; Timing: LOOPS privileged instructions (MOV EAX,CR0, which traps under
; trap-and-emulate) and LOOPS ordinary ones, each loop timed by the host.
timing:
    mov al, 0
    out PORT_CLOCK, al
    mov ecx, LOOPS
.priv:
    mov eax, cr0
    dec ecx
    jnz .priv
    mov al, 1
    out PORT_CLOCK, al
    mov al, 0
    out PORT_CLOCK, al
    mov ecx, LOOPS
.plain:
    mov eax, ebx
    dec ecx
    jnz .plain
    mov al, 2
    out PORT_CLOCK, al
    ret

load_end:

; ---- uninitialised data ---------------------------------------------------
section .bss follows=.text
alignb 8
idt:    resq 0x32
buf:    resb 8
kesp:   resd 1
        resb 4096
kstack_top:
        resb 4096
ustack_top:
bss_end:
