; user_memory.asm - ring-3 memory accesses while ring 0 changes the paging
; under them: each change must be seen once the TLB is told of it (INVLPG,
; a CR3 write; SDM vol. 3, 4.10.4), with the #PF error codes and CR2 of
; SDM vol. 3, 4.7, accessed/dirty bits (4.8), page-crossing accesses,
; self-modifying ring-3 code (11.6) and the segment limit at 4 GiB (5.3).
; Under -accel bt this is the user window's test (translator/window.c):
; the host's mappings of guest pages must follow every one of these.
%include "lib.inc"

PAGE     equ 0x800000                  ; the test page (8 MiB)
PAGE2    equ PAGE + 0x1000             ; the page after it
FRAME_B  equ 0x900000                  ; another frame
FRAME_C  equ 0xA00000                  ; and a third
PTE_2    equ page_table2 + ((PAGE >> 12) & 0x3ff) * 4 ; PAGE's PTE in the second space
PTE      equ page_tables + (PAGE >> 12) * 4
PTE2     equ PTE + 4
PDE      equ page_dir + (PAGE >> 22) * 4
P equ 1
W equ 2
U equ 4
A equ 0x20
D equ 0x40

; SETPTE pte, value: rewrites a PTE and invalidates its page's TLB entry.
%macro SETPTE 2
	mov dword [%1], %2
	invlpg [PAGE + (%1 - PTE) * 1024]
%endmacro

; SPACE dir: loads CR3 with the page directory dir.
%macro SPACE 1
	mov eax, %1
	mov cr3, eax
%endmacro

; R3_PF code, error, cr2, "what": runs code in ring 3, expects #PF.
%macro R3_PF 4
	TRY
	RING3 %1, 2
	ENDTRY
	EXPECT_PF %2, %3, %4
%endmacro

section .text
test_main:
	call paging_on
	mov dword [PAGE + 0x20], 0
	mov dword [FRAME_B + 0x20], 0x33333333

	RING3 r3_store, 2
	CHECK [PAGE + 0x20], 0x11111111, "a ring-3 store reaches RAM"
	mov dword [PAGE + 0x20], 0x22222222
	RING3 r3_load, 2
	CHECK eax, 0x22222222, "ring 3 reads what ring 0 stored since"

	SETPTE PTE, FRAME_B | P | W | U
	RING3 r3_load, 2
	CHECK eax, 0x33333333, "INVLPG after a PTE change: ring 3 reads the new frame"
	mov dword [PTE], PAGE | P | W | U
	mov eax, cr3
	mov cr3, eax
	RING3 r3_load, 2
	CHECK eax, 0x22222222, "a CR3 write after a PTE change: ring 3 reads the old frame again"

	; A second address space mapping PAGE to FRAME_B: CR3 switches.
	mov esi, page_dir
	mov edi, page_dir2
	mov ecx, 1024
	rep movsd
	mov esi, page_tables + (PAGE >> 22) * 4096
	mov edi, page_table2
	mov ecx, 1024
	rep movsd
	mov dword [page_table2 + ((PAGE >> 12) & 0x3ff) * 4], FRAME_B | P | W | U
	mov eax, page_table2
	or eax, P | W | U
	mov [page_dir2 + (PAGE >> 22) * 4], eax
	mov eax, page_dir2
	mov cr3, eax
	RING3 r3_load, 2
	CHECK eax, 0x33333333, "after a CR3 switch ring 3 reads the other address space"
	mov eax, page_dir
	mov cr3, eax
	RING3 r3_load, 2
	CHECK eax, 0x22222222, "and after the switch back its own"

	; Rights taken away after ring 3 used the page.
	RING3 r3_store, 2
	SETPTE PTE, PAGE | P | U
	R3_PF r3_store, 7, PAGE + 0x20, "#PF ring-3 write to a page made read-only"
	RING3 r3_load, 2
	CHECK eax, 0x11111111, "ring 3 still reads the read-only page"
	SETPTE PTE, PAGE | P | W
	R3_PF r3_load, 5, PAGE + 0x20, "#PF ring-3 read of a page made supervisor"
	SETPTE PTE, PAGE | W | U
	R3_PF r3_load, 4, PAGE + 0x20, "#PF ring-3 read of a page made not present"
	R3_PF r3_store, 6, PAGE + 0x20, "#PF ring-3 write to a page made not present"
	CHECK [exc_frame + 12], ring3_stack_top, "#PF from ring 3 pushes the ring-3 ESP"

	; Accessed and dirty bits, set by the access that needs them.
	SETPTE PTE, PAGE | P | W | U
	RING3 r3_load, 2
	mov eax, [PTE]
	and eax, A | D
	CHECK eax, A, "a ring-3 read sets A, not D"
	RING3 r3_store, 2
	mov eax, [PTE]
	and eax, A | D
	CHECK eax, A | D, "the first ring-3 write sets D"
	SETPTE PTE, PAGE | P | W | U
	RING3 r3_add, 2
	mov eax, [PTE]
	and eax, A | D
	CHECK eax, A | D, "a ring-3 read-modify-write sets A and D"
	CHECK [PAGE + 0x20], 0x11111112, "the read-modify-write went through"

	; Accesses across the page boundary.
	SETPTE PTE2, PAGE2 | P | W | U
	RING3 r3_store_across, 2
	CHECK [PAGE + 0xffc], 0x66770000, "a ring-3 store across pages: the first page's bytes"
	CHECK [PAGE2], 0x4455, "a ring-3 store across pages: the second page's bytes"
	SETPTE PTE2, PAGE2 | W | U
	R3_PF r3_load_across, 4, PAGE2, "#PF ring-3 read across into a not-present page"
	mov dword [PAGE + 0xffc], 0
	R3_PF r3_store_across, 6, PAGE2, "#PF ring-3 write across into a not-present page"
	CHECK [PAGE + 0xffc], 0, "the faulting store across pages wrote nothing"
	SETPTE PTE2, PAGE2 | P | U
	R3_PF r3_store_across, 7, PAGE2, "#PF ring-3 write across into a read-only page"
	CHECK [PAGE + 0xffc], 0, "the store across into a read-only page wrote nothing"
	SETPTE PTE2, PAGE2 | P | W | U

	; Ring-3 code that rewrites itself (SDM vol. 3, 11.6).
	RING3 r3_patch_22, 2
	CHECK eax, 0x22, "ring-3 code patched before it runs"
	RING3 r3_patch_33, 2
	CHECK eax, 0x33, "ring-3 code patched after it ran once"
	RING3 r3_patch_self, 2
	CHECK eax, 0x44, "a ring-3 store into the instruction that follows it"

	RING3 r3_jit, 2
	CHECK eax, 0x66, "ring-3 code stored, run, stored again and run again"

	; The 4 GiB limit of the flat data segment: offset + size - 1 beyond it.
	TRY
	RING3 r3_load_limit, 2
	ENDTRY
	EXPECT_EXC 13, 0, "#GP ring-3 dword read at offset 0xfffffffe"

	; The second address space's tables change while the first is current:
	; the CR3 write back to it must see the change (SDM vol. 3, 4.10.4.1:
	; it invalidates every non-global translation).
	mov dword [FRAME_C + 0x20], 0x44444444
	SPACE page_dir2
	RING3 r3_store, 2                 ; PAGE -> FRAME_B, written: D set
	SPACE page_dir
	mov dword [PTE_2], FRAME_C | P | W | U
	SPACE page_dir2
	RING3 r3_load, 2
	CHECK eax, 0x44444444, "a PTE changed while its space was not current: seen after the CR3 write"
	RING3 r3_store, 2
	SPACE page_dir
	mov dword [PTE_2], FRAME_C | P | U
	SPACE page_dir2
	R3_PF r3_store, 7, PAGE + 0x20, "#PF writing a page made read-only while its space was not current"
	SPACE page_dir
	mov dword [PTE_2], FRAME_C | P | W | U ; A and D clear
	SPACE page_dir2
	RING3 r3_store, 2
	mov eax, [PTE_2]
	and eax, A | D
	CHECK eax, A | D, "D set again by a write after it was cleared while its space was not current"
	SPACE page_dir
	mov dword [PTE_2], FRAME_C | W | U    ; not present
	SPACE page_dir2
	R3_PF r3_load, 4, PAGE + 0x20, "#PF reading a page made not present while its space was not current"
	SPACE page_dir
	RING3 r3_load, 2
	CHECK eax, 0x11111112, "and the first space still reads its own frame"

	call paging_off
	jmp exit_guest

r3_store:
	mov dword [PAGE + 0x20], 0x11111111
	int VEC_RING0
r3_load:
	mov eax, [PAGE + 0x20]
	int VEC_RING0
r3_add:
	add dword [PAGE + 0x20], 1
	int VEC_RING0
r3_store_across:
	mov dword [PAGE + 0xffe], 0x44556677
	int VEC_RING0
r3_load_across:
	mov eax, [PAGE + 0xffe]
	int VEC_RING0
r3_patch_22:
	mov byte [r3_patched + 1], 0x22
	jmp r3_patched
r3_patch_33:
	mov byte [r3_patched + 1], 0x33
	jmp r3_patched
r3_patched:
	mov eax, 0x11
	int VEC_RING0
r3_patch_self:
	mov byte [.next + 1], 0x44
.next:	mov eax, 0x11
	int VEC_RING0
r3_jit:				; a data page written, run as code, rewritten
	mov byte [PAGE + 0x100], 0xb8     ; mov eax, imm32
	mov dword [PAGE + 0x101], 0x55
	mov byte [PAGE + 0x105], 0xc3     ; ret
	call PAGE + 0x100
	mov dword [PAGE + 0x101], 0x66
	call PAGE + 0x100
	int VEC_RING0
r3_load_limit:
	mov ebx, 0xfffffffe
	mov eax, [ebx]
	int VEC_RING0

section .bss
alignb 4096
page_dir2: resd 1024
page_table2: resd 1024
