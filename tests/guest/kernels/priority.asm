; priority.asm - which exception wins when an instruction has several
; problems: segmentation before paging, the gate DPL before its present
; bit, privilege before the present bit on segment loads, and a fault
; cancelling a pending single-step trap (SDM vol. 3, 6.9; vol. 2, INT n
; and MOV operation sections).
%include "lib.inc"

SEL_LIM equ 0x40                       ; data, base 0x800000, limit 0xFFF
SEL_NP0 equ 0x48                       ; data, DPL 0, not present
PAGE    equ 0x801000
PTE     equ page_tables + (PAGE >> 12) * 4

section .text
test_main:
	push dword 0x4
	push dword 0x92
	push dword 0xFFF
	push dword 0x800000
	push dword SEL_LIM >> 3
	call gdt_set
	add esp, 20
	push dword 0xC
	push dword 0x12
	push dword 0xFFFFF
	push dword 0
	push dword SEL_NP0 >> 3
	call gdt_set
	add esp, 20

	; Past the segment limit and on a not-present page: #GP, not #PF.
	call paging_on
	and dword [PTE], ~1
	invlpg [PAGE]
	TRY
	mov ax, SEL_LIM
	mov fs, ax
	mov eax, [fs:0x1000]
	ENDTRY
	EXPECT_EXC 13, 0, "#GP (limit) before #PF (not present)"
	TRY
	mov eax, [PAGE]
	ENDTRY
	EXPECT_EXC 14, 0, "the same page through DS: #PF"
	or dword [PTE], 1
	invlpg [PAGE]
	call paging_off

	; INT n from ring 3 through a DPL-0, not-present gate: #GP, not #NP.
	mov byte [idt + 0x42 * 8 + 5], 0x0E
	TRY
	RING3 r3_int42, 2
	ENDTRY
	EXPECT_EXC 13, 0x42 * 8 + 2, "INT to a DPL-0 not-present gate from CPL 3: #GP"

	; Loading DS at CPL 3 with a DPL-0 not-present segment: #GP, not #NP.
	TRY
	RING3 r3_load_np0, 2
	ENDTRY
	EXPECT_EXC 13, SEL_NP0, "DPL-0 not-present segment from CPL 3: #GP"
	TRY
	mov ax, SEL_NP0
	mov ds, ax
	ENDTRY
	EXPECT_EXC 11, SEL_NP0, "the same segment at CPL 0: #NP"

	; A faulting instruction with TF set: the fault, no single-step trap.
	TRY
	xor ecx, ecx
	pushfd
	or dword [esp], 0x100
	popfd
	div ecx                            ; single-stepped, and faulting
	ENDTRY
	CHECK [exc_count], 1, "a faulting DIV under TF: one exception"
	EXPECT_EXC 0, NO_ERROR, "the fault (#DE), not the single-step #DB"
	ret

r3_int42:
	int 0x42
r3_load_np0:
	mov ax, SEL_NP0
	mov ds, ax
	int VEC_RING0
