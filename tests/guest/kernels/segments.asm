; segments.asm - segment protection on use: limits of expand-up and
; expand-down segments, read-only and code segments, the stack segment
; (#SS), privilege checks on loads and far jumps, and an LDT (SDM vol. 3,
; 3.4, 5.3, 5.4-5.8).
%include "lib.inc"

SEL_LIM   equ 0x40                     ; data, base 0x200000, limit 0xFFF
SEL_DOWN  equ 0x48                     ; data, expand-down, limit 0xFFF, B=1
SEL_RO    equ 0x50                     ; read-only data
SEL_RCODE equ 0x58                     ; readable ring-0 code
SEL_SS3   equ 0x63                     ; ring-3 stack, limited just above its top
SEL_NPCODE equ 0x68                    ; code, not present
SEL_LDT   equ 0x70                     ; the LDT
SEL_LDATA equ 0x04                     ; LDT entry 0 (TI=1, RPL 0)
BASE      equ 0x200000

%macro DESC 5 ; index, base, limit, access, flags
	push dword %5
	push dword %4
	push dword %3
	push dword %2
	push dword %1
	call gdt_set
	add esp, 20
%endmacro
; PATTERN: the known values at BASE + 0xFFC and BASE + 0x1000, rewritten
; before each case so that a write an emulator wrongly let through cannot
; spoil the next case.
%macro PATTERN 0
	mov dword [BASE + 0xFFC], 0x11223344
	mov dword [BASE + 0x1000], 0x55667788
%endmacro
; FLAT: the kernel's data segments again.
%macro FLAT 0
	mov ax, SEL_DATA0
	mov ds, ax
	mov es, ax
	mov fs, ax
%endmacro

section .text
test_main:
	DESC 8, BASE, 0xFFF, 0x92, 0x4
	DESC 9, BASE, 0xFFF, 0x96, 0x4
	DESC 10, BASE, 0xFFFFF, 0x90, 0xC
	DESC 11, 0, 0xFFFFF, 0x9A, 0xC
	mov eax, ring3_stack_top
	shr eax, 12                        ; 4 KiB granularity: the limit
	DESC 12, 0, eax, 0xF2, 0xC         ; ends at the page of the stack top
	DESC 13, 0, 0xFFFFF, 0x1A, 0xC
	DESC 14, ldt, 7, 0x82, 0

	; Expand-up limit: the last byte is inside, one more is not (SDM 5.3).
	mov ax, SEL_LIM
	mov fs, ax
	PATTERN
	TRY
	mov eax, [fs:0xFFC]
	mov ebx, eax
	ENDTRY
	CHECK [exc_vector], NO_VECTOR, "dword read ending at the limit"
	CHECK ebx, 0x11223344, "the segment base is added"
	PATTERN
	TRY
	mov ax, SEL_LIM
	mov fs, ax
	mov al, [fs:0x1000]
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for a byte read one past the limit"
	PATTERN
	TRY
	mov ax, SEL_LIM
	mov fs, ax
	mov word [fs:0xFFF], 0
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for a word write straddling the limit"
	CHECK [BASE + 0xFFC], 0x11223344, "the straddling write wrote nothing"

	; Expand-down: valid offsets are limit+1 .. 0xFFFFFFFF (B=1).
	PATTERN
	TRY
	mov ax, SEL_DOWN
	mov fs, ax
	mov eax, [fs:0x1000]
	mov ebx, eax
	ENDTRY
	CHECK [exc_vector], NO_VECTOR, "expand-down: read just above the limit"
	CHECK ebx, 0x55667788, "expand-down: the base is added"
	PATTERN
	TRY
	mov ax, SEL_DOWN
	mov fs, ax
	mov eax, [fs:0xFFF]
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for an expand-down read at the limit"
	PATTERN
	TRY
	mov ax, SEL_DOWN
	mov fs, ax
	mov eax, [fs:0]
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for an expand-down read at offset 0"

	; Types: read-only data, readable code.
	PATTERN
	TRY
	mov ax, SEL_RO
	mov fs, ax
	mov eax, [fs:0x1000]
	mov ebx, eax
	ENDTRY
	CHECK ebx, 0x55667788, "read through a read-only data segment"
	PATTERN
	TRY
	mov ax, SEL_RO
	mov fs, ax
	mov dword [fs:0x1000], 0
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for a write through a read-only data segment"
	PATTERN
	TRY
	mov ax, SEL_RCODE
	mov fs, ax
	mov eax, [fs:BASE + 0x1000]
	mov ebx, eax
	ENDTRY
	CHECK [exc_vector], NO_VECTOR, "FS can hold a readable code segment"
	CHECK ebx, 0x55667788, "read through a readable code segment"
	PATTERN
	TRY
	mov ax, SEL_RCODE
	mov fs, ax
	mov dword [fs:BASE + 0x1000], 0
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for a write through a code segment in FS"
	FLAT

	; Privilege checks on segment loads (SDM 5.6).
	PATTERN
	TRY
	mov ax, SEL_DATA0 | 3
	mov ds, ax
	ENDTRY
	FLAT
	EXPECT_EXC 13, SEL_DATA0, "#GP loading DS with RPL 3 > DPL 0"
	PATTERN
	TRY
	RING3 r3_load_ds0, 2
	ENDTRY
	EXPECT_EXC 13, SEL_DATA0, "#GP loading DS with a DPL-0 segment at CPL 3"
	PATTERN
	TRY
	RING3 r3_load_ss0, 2
	ENDTRY
	EXPECT_EXC 13, SEL_DATA0, "#GP loading SS with a DPL-0 segment at CPL 3"

	; The stack segment: an access past SS's limit is #SS(0).
	PATTERN
	TRY
	push dword SEL_SS3
	push dword ring3_stack_top - 16
	push dword 2
	push dword SEL_CODE3
	push dword r3_stack_limit
	iretd
	ENDTRY
	EXPECT_EXC 12, 0, "#SS for [EBP] past SS's limit"
	CHECK [exc_eip], r3_stack_limit.access, "#SS pushes the EIP of the access"
	CHECK [exc_frame + 16], SEL_SS3, "#SS from ring 3 pushes the ring-3 SS"
	PATTERN
	TRY
	mov ax, SEL_DATA3                  ; (IRET to ring 3 would null a DPL-0 DS)
	mov ds, ax
	push dword SEL_SS3
	push dword ring3_stack_top - 16
	push dword 2
	push dword SEL_CODE3
	push dword r3_ds_ok
	iretd
	ENDTRY
	EXPECT_EXC VEC_RING0, NO_ERROR, "the same address through DS is fine"

	; Far jumps (SDM 5.8.1).
	PATTERN
	TRY
	jmp SEL_DATA0:0
	ENDTRY
	EXPECT_EXC 13, SEL_DATA0, "#GP for a far JMP to a data segment"
	PATTERN
	TRY
	jmp SEL_CODE3:r3_load_ds0
	ENDTRY
	EXPECT_EXC 13, SEL_CODE3 & ~3, "#GP for a far JMP to non-conforming code of another DPL"
	PATTERN
	TRY
	jmp SEL_NPCODE:0
	ENDTRY
	EXPECT_EXC 11, SEL_NPCODE, "#NP for a far JMP to a not-present code segment"
	PATTERN
	TRY
	jmp SEL_RCODE:.other_cs
.other_cs:
	mov eax, cs
	mov ebx, eax
	jmp SEL_CODE0:.back_cs
.back_cs:
	ENDTRY
	CHECK ebx, SEL_RCODE, "a far JMP to another ring-0 code segment"

	; An LDT: LLDT, then a TI=1 selector.
	mov ax, SEL_LDT
	lldt ax
	mov ax, SEL_LDATA
	mov fs, ax
	mov eax, [fs:0x1000]
	CHECK eax, 0x55667788, "read through an LDT data segment"
	sldt ax
	movzx eax, ax
	CHECK eax, SEL_LDT, "SLDT"
	xor eax, eax
	lldt ax
	PATTERN
	TRY
	mov ax, SEL_LDATA
	mov fs, ax
	ENDTRY
	FLAT
	EXPECT_EXC 13, SEL_LDATA, "#GP for an LDT selector once LDTR is null"
	PATTERN
	TRY
	mov ax, SEL_LIM
	lldt ax
	ENDTRY
	EXPECT_EXC 13, SEL_LIM, "#GP for LLDT of a data segment"
	ret

r3_load_ds0:
	mov ax, SEL_DATA0
	mov ds, ax
	int VEC_RING0
r3_load_ss0:
	mov ax, SEL_DATA0
	mov ss, ax
	int VEC_RING0
r3_stack_limit:
	mov ebp, ring3_stack_top + 0x1000
	and ebp, ~0xFFF                    ; the first byte past SS's limit
.access:
	mov eax, [ebp]
	int VEC_RING0
r3_ds_ok:
	mov ebp, ring3_stack_top + 0x1000
	and ebp, ~0xFFF
	mov eax, [ds:ebp]
	int VEC_RING0

section .data
align 8
ldt:	dq 0x00409200_0000FFFF | (BASE << 16) ; base 0x200000, limit 0xFFFF, DPL 0
