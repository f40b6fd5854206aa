; v86.asm - virtual-8086 mode: entry by IRET, the frame and the segment
; registers an interrupt to ring 0 pushes (and nulls), INT n with IOPL 3,
; the IOPL-sensitive instructions with IOPL<3, and the I/O permission bitmap
; (SDM vol. 3, chapter 20).
%include "lib.inc"

BLOB   equ 0x8000                      ; linear address of the V86 code
V_CS   equ 0x0800
V_SS   equ 0x0900
V_FS   equ 0x0A00
V_GS   equ 0x0B00
V_DS   equ 0x0C00
V_ES   equ 0x0D00
VM     equ 1 << 17
IOPL3  equ 3 << 12
%define OFF(x) ((x) - v86_blob)
%define AT(x) (BLOB + OFF(x))

; V86 ip, eflags: enters V86 mode at V_CS:ip (inside TRY; INT 0x61 or an
; exception comes back).
%macro V86 2
	TRY
	push dword V_GS
	push dword V_FS
	push dword V_DS
	push dword V_ES
	push dword V_SS
	push dword 0x1000
	push dword VM | 2 | %2
	push dword V_CS
	push dword OFF(%1)
	iretd
	ENDTRY
%endmacro

section .text
test_main:
	mov esi, v86_blob
	mov edi, BLOB
	mov ecx, v86_blob_end - v86_blob
	rep movsb
	push dword GATE_INT32 | DPL3
	push dword SEL_CODE0
	push dword int60
	push dword 0x60
	call idt_set
	add esp, 16
	mov byte [idt + 0x61 * 8 + 5], GATE_INT32 | DPL3

	V86 v_exit, IOPL3
	EXPECT_EXC 0x61, NO_ERROR, "INT 0x61 in V86 mode with IOPL 3 goes to the IDT"
	CHECK [exc_frame], OFF(v_exit) + 2, "V86 frame: EIP after INT"
	CHECK [exc_frame + 4], V_CS, "V86 frame: CS"
	mov eax, [exc_frame + 8]
	and eax, VM | IOPL3
	CHECK eax, VM | IOPL3, "V86 frame: EFLAGS with VM and IOPL"
	CHECK [exc_frame + 12], 0x1000, "V86 frame: ESP"
	CHECK [exc_frame + 16], V_SS, "V86 frame: SS"
	CHECK [exc_frame + 20], V_ES, "V86 frame: ES"
	CHECK [exc_frame + 24], V_DS, "V86 frame: DS"
	CHECK [exc_frame + 28], V_FS, "V86 frame: FS"
	CHECK [exc_frame + 32], V_GS, "V86 frame: GS"

	V86 v_regs, IOPL3
	movzx eax, word [AT(v_seen_ds)]
	CHECK eax, V_DS, "IRET to V86 loads DS"
	movzx eax, word [AT(v_seen_ss)]
	CHECK eax, V_SS, "IRET to V86 loads SS"
	movzx eax, word [AT(v_seen_gs)]
	CHECK eax, V_GS, "IRET to V86 loads GS"
	CHECK [V_ES * 16 + 0x10], 0xBEEF, "V86 addressing: ES*16 + offset"
	movzx eax, word [AT(v_seen_flags)]
	and eax, IOPL3
	CHECK eax, IOPL3, "PUSHF in V86 with IOPL 3 shows IOPL"

	V86 v_int60, IOPL3
	CHECK [h_esp], stack0_top - 36, "interrupt from V86: 9 dwords on the TSS ring-0 stack"
	CHECK [h_ds], 0, "interrupt from V86 nulls DS"
	CHECK [h_es], 0, "interrupt from V86 nulls ES"
	CHECK [h_fs], 0, "interrupt from V86 nulls FS"
	CHECK [h_gs], 0, "interrupt from V86 nulls GS"
	CHECK [h_cs], SEL_CODE0, "the handler runs in its gate's CS"
	CHECK [h_vm], 0, "the handler runs with VM clear"
	movzx eax, word [AT(v_back)]
	CHECK eax, 1, "IRET from the handler returns to V86 mode"
	CHECK [exc_vector], 0x61, "V86 code went on to its INT 0x61"

	; IOPL < 3: the IOPL-sensitive instructions raise #GP(0) (SDM 20.2.7).
	V86 v_cli, 0
	EXPECT_EXC 13, 0, "#GP for CLI in V86 with IOPL 0"
	CHECK [exc_eip], OFF(v_cli), "#GP from V86 pushes the IP of CLI"
	CHECK [exc_cs], V_CS, "#GP from V86 pushes the V86 CS"
	V86 v_sti, 0
	EXPECT_EXC 13, 0, "#GP for STI in V86 with IOPL 0"
	V86 v_pushf, 0
	EXPECT_EXC 13, 0, "#GP for PUSHF in V86 with IOPL 0"
	V86 v_popf, 0
	EXPECT_EXC 13, 0, "#GP for POPF in V86 with IOPL 0"
	V86 v_exit, 1 << 12
	EXPECT_EXC 13, 0, "#GP for INT n in V86 with IOPL 1"
	V86 v_iret, 0
	EXPECT_EXC 13, 0, "#GP for IRET in V86 with IOPL 0"
	; INT3 is not IOPL-sensitive; it goes through gate 3 whose DPL 0 < CPL 3.
	V86 v_int3, 0
	EXPECT_EXC 13, 3 * 8 + 2, "#GP(gate) for INT3 in V86 through a DPL-0 gate"
	V86 v_hlt, IOPL3
	EXPECT_EXC 13, 0, "#GP for HLT in V86 mode"

	; I/O: always checked against the TSS bitmap in V86 (SDM 20.2.8.1).
	V86 v_out80, IOPL3
	EXPECT_EXC 13, 0, "#GP for OUT to a port the bitmap denies (IOPL 3)"
	CHECK [exc_eip], OFF(v_out80) + 2, "#GP pushes the IP of OUT"
	and byte [tss + TSS_IOMAP + 0x80 / 8], ~1
	V86 v_out80, 0                     ; (IOPL 0: its INT 0x61 then faults)
	CHECK [exc_eip], OFF(v_out80) + 4, "OUT to a port the bitmap allows (IOPL 0) passes"
	V86 v_out81w, 0
	EXPECT_EXC 13, 0, "#GP for a word OUT to 0x80 when 0x81 is denied"
	CHECK [exc_eip], OFF(v_out81w) + 3, "#GP pushes the IP of the word OUT"
	or byte [tss + TSS_IOMAP + 0x80 / 8], 1

	; V86 segments have a 64 KiB limit (SDM 20.2.1).
	V86 v_wrap, IOPL3
	EXPECT_EXC 13, 0, "#GP for a word at DS:0xFFFF in V86 mode"
	CHECK [exc_eip], OFF(v_wrap), "#GP pushes the IP of the access"

	; Paging sees V86 code as CPL 3: a supervisor page faults (SDM 20.2.4).
	call paging_on
	and dword [page_tables + (BLOB >> 12) * 4], ~4
	invlpg [BLOB]
	V86 v_exit, IOPL3
	EXPECT_EXC 14, 5, "#PF (user, present) fetching V86 code from a supervisor page"
	CHECK [exc_cr2], BLOB + OFF(v_exit), "#PF in V86: CR2 is the linear address"
	call paging_off
	ret

; The ring-0 handler of INT 0x60 from V86: DS..GS are null here, so every
; access goes through SS (TSS.SS0).
int60:
	mov [ss:h_esp], esp
	mov [ss:h_ds], ds
	mov [ss:h_es], es
	mov [ss:h_fs], fs
	mov [ss:h_gs], gs
	mov [ss:h_cs], cs
	push eax
	pushfd
	pop eax
	and eax, VM
	mov [ss:h_vm], eax
	pop eax
	iretd

section .data
h_esp: dd 0
h_ds: dd 0xFFFF
h_es: dd 0xFFFF
h_fs: dd 0xFFFF
h_gs: dd 0xFFFF
h_cs: dd 0
h_vm: dd 0xFFFF

; The V86 code, copied to BLOB (CS = V_CS, IP = offset in the blob).
bits 16
v86_blob:
v_exit:
	int 0x61
v_regs:
	mov ax, ds
	mov [cs:OFF(v_seen_ds)], ax
	mov ax, ss
	mov [cs:OFF(v_seen_ss)], ax
	mov ax, gs
	mov [cs:OFF(v_seen_gs)], ax
	mov word [es:0x10], 0xBEEF
	mov word [es:0x12], 0
	pushf
	pop ax
	mov [cs:OFF(v_seen_flags)], ax
	int 0x61
v_int60:
	int 0x60
	mov word [cs:OFF(v_back)], 1
	int 0x61
v_cli:	cli
	int 0x61
v_sti:	sti
	int 0x61
v_pushf:
	pushf
	int 0x61
v_popf:
	popf
	int 0x61
v_iret:	iret
v_int3:	int3
	int 0x61
v_hlt:	hlt
v_out80:
	mov al, 0
	out 0x80, al
	int 0x61
v_out81w:
	mov ax, 0
	out 0x80, ax
	int 0x61
v_wrap:	mov ax, [0xFFFF]
	int 0x61
align 2
v_seen_ds: dw 0
v_seen_ss: dw 0
v_seen_gs: dw 0
v_seen_flags: dw 0
v_back: dw 0
v86_blob_end:
bits 32
