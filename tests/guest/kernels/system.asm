; system.asm - system instructions: SGDT/SIDT/STR/SMSW, LTR, LMSW (cannot clear
; PE), MOV CRn checks (#GP for PG without PE, NW without CD; #UD for
; CR1), CLTS, INVD/WBINVD, LSS/LFS, privileged instructions at
; CPL 3, and RDPMC (SDM vol. 2; vol. 3, 2.5 and 2.8).
%include "lib.inc"

; PRIV code, "name": the ring-3 code raises #GP(0).
%macro PRIV 2
	TRY
	RING3 %1, 2
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for ", %2, " at CPL 3"
	CHECK [exc_eip], %1, "#GP for ", %2, " at CPL 3: EIP"
%endmacro

SEL_SPARE equ 0x40                     ; a second TSS

section .text
test_main:
	sgdt [desc]
	movzx eax, word [desc]
	CHECK eax, GDT_COUNT * 8 - 1, "SGDT: limit"
	CHECK [desc + 2], gdt, "SGDT: base"
	sidt [desc]
	movzx eax, word [desc]
	CHECK eax, 256 * 8 - 1, "SIDT: limit"
	CHECK [desc + 2], idt, "SIDT: base"
	xor eax, eax
	str ax
	CHECK eax, SEL_TSS, "STR"
	mov eax, cr0
	smsw ebx
	CHECK ebx, eax, "SMSW r32 stores CR0"
	mov eax, 0xFFFF0000
	smsw ax
	and eax, 0xFFFF0001
	CHECK eax, 0xFFFF0001, "SMSW r16 keeps the upper half of EAX"

	; LMSW sets PE but cannot clear it, and touches only bits 3:0.
	mov eax, cr0
	mov [cr0_saved], eax
	mov ax, 0x000E                     ; PE=0, MP, EM, TS
	lmsw ax
	mov eax, cr0
	and eax, 0xF
	CHECK eax, 0xF, "LMSW cannot clear PE (and sets MP, EM, TS)"
	mov eax, [cr0_saved]
	mov cr0, eax
	clts
	mov eax, cr0
	and eax, 8
	CHECK eax, 0, "CLTS clears TS"

	TRY
	db 0x0F, 0x22, 0xC8                ; MOV CR1, EAX
	ENDTRY
	EXPECT_EXC 6, NO_ERROR, "#UD for MOV to CR1"
	TRY
	db 0x0F, 0x20, 0xE8                ; MOV EAX, CR5
	ENDTRY
	EXPECT_EXC 6, NO_ERROR, "#UD for MOV from CR5"
	mov eax, cr2
	mov ebx, 0x12345678
	mov cr2, ebx
	mov ecx, cr2
	mov cr2, eax
	CHECK ecx, 0x12345678, "CR2 is writable"
	TRY
	invd
	wbinvd
	ENDTRY
	CHECK [exc_vector], NO_VECTOR, "INVD and WBINVD at CPL 0"

	; LSS / LFS load a far pointer.
	mov ebx, esp
	lss esp, [far_stack]
	mov ecx, esp
	mov edx, ss
	mov esp, ebx
	mov ax, SEL_DATA0
	mov ss, ax
	mov esp, ebx
	CHECK ecx, 0x1234, "LSS loads ESP"
	CHECK edx, SEL_DATA0, "LSS loads SS"
	lfs eax, [far_fs]
	mov ecx, fs
	CHECK eax, 0x5678, "LFS loads the offset"
	CHECK ecx, SEL_DATA3, "LFS loads FS"
	mov ax, SEL_DATA0
	mov fs, ax

	; Privileged instructions at CPL 3: #GP(0) (SDM 5.9).
	PRIV r3_lgdt, "LGDT"
	PRIV r3_movcr0, "MOV CR0"
	PRIV r3_clts, "CLTS"
	PRIV r3_invlpg, "INVLPG"
	PRIV r3_wbinvd, "WBINVD"
	PRIV r3_lmsw, "LMSW"
	PRIV r3_ltr, "LTR"
	RING3 r3_smsw, 2
	CHECK eax, 1, "SMSW is allowed at CPL 3"
	RING3 r3_sgdt, 2
	CHECK eax, gdt, "SGDT is allowed at CPL 3"
	mov eax, cr4
	and eax, ~(1 << 8)                 ; PCE clear
	mov cr4, eax
	PRIV r3_rdpmc, "RDPMC with CR4.PCE=0"
	TRY
	mov ecx, 0x100                     ; not a valid counter
	rdpmc
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for RDPMC of an invalid counter"
	; CR0 combinations that MOV CR0 refuses with #GP(0) (SDM vol. 2, MOV
	; CR). Last, and CR0 restored at once (with CR3 holding an identity
	; map), so that a CPU which wrongly accepts them still reaches the end.
	call paging_on
	call paging_off
	TRY
	mov eax, cr0
	and eax, ~1
	or eax, 0x80000000                 ; PG without PE
	mov cr0, eax
	ENDTRY
	mov eax, [cr0_saved]
	mov cr0, eax
	EXPECT_EXC 13, 0, "#GP for CR0 with PG=1 and PE=0"
	TRY
	mov eax, cr0
	and eax, ~(1 << 30)
	or eax, 1 << 29                    ; NW without CD
	mov cr0, eax
	ENDTRY
	mov eax, [cr0_saved]
	mov cr0, eax
	EXPECT_EXC 13, 0, "#GP for CR0 with NW=1 and CD=0"

	; LTR marks the TSS busy and refuses a busy one (SDM LTR).
	push dword 0
	push dword 0x89
	push dword 0x67
	push dword spare_tss
	push dword SEL_SPARE >> 3
	call gdt_set
	add esp, 20
	mov ax, SEL_SPARE
	ltr ax
	movzx eax, byte [gdt + SEL_SPARE + 5]
	CHECK eax, 0x8B, "LTR marks the TSS descriptor busy"
	TRY
	mov ax, SEL_SPARE
	ltr ax
	ENDTRY
	EXPECT_EXC 13, SEL_SPARE, "#GP for LTR of a busy TSS"
	TRY
	mov ax, SEL_DATA0
	ltr ax
	ENDTRY
	EXPECT_EXC 13, SEL_DATA0, "#GP for LTR of a data segment"
	and byte [gdt + SEL_TSS + 5], ~2   ; the kernel's TSS back in TR
	mov ax, SEL_TSS
	ltr ax
	str ax
	movzx eax, ax
	CHECK eax, SEL_TSS, "LTR back to the kernel's TSS"
	ret

r3_lgdt:
	lgdt [desc]
r3_movcr0:
	mov eax, cr0
r3_clts:
	clts
r3_invlpg:
	invlpg [desc]
r3_wbinvd:
	wbinvd
r3_lmsw:
	lmsw ax
r3_ltr:
	ltr [tss_sel]
r3_rdpmc:
	rdpmc
	int VEC_RING0
r3_smsw:
	smsw eax
	and eax, 1
	int VEC_RING0
r3_sgdt:
	sgdt [desc3]
	mov eax, [desc3 + 2]
	int VEC_RING0

section .data
align 4
spare_tss: times 0x68 db 0
desc: times 6 db 0
desc3: times 6 db 0
tss_sel: dw SEL_TSS
align 4
cr0_saved: dd 0
far_stack: dd 0x1234
	dw SEL_DATA0
far_fs: dd 0x5678
	dw SEL_DATA3
