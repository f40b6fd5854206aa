; smc.asm - self-modifying and cross-page code: a store to the next
; instruction, code changed between two runs, a store through an alias
; mapping, instructions that straddle a page boundary (with the second page
; not present), and the 15-byte instruction length limit (SDM vol. 3,
; 8.1.3 and 11.6; vol. 2, 2.1).
%include "lib.inc"

CODE     equ 0x800000                  ; a page for generated code
ALIAS    equ 0x900000                  ; maps the same frame as CODE
PTE_CODE equ page_tables + (CODE >> 12) * 4
PTE_ALIAS equ page_tables + (ALIAS >> 12) * 4

section .text
test_main:
	; A store that changes the immediate of the next instruction.
	mov byte [.next + 1], 0x42
.next:	mov al, 0x00
	movzx eax, al
	CHECK eax, 0x42, "a store to the next instruction is seen"

	; The same code run twice with a change in between.
	mov ecx, 0
.again:
	call patched
	cmp ecx, 1
	je .second
	mov [first_run], eax
	mov dword [patched + 1], 0x22222222
	inc ecx
	jmp .again
.second:
	CHECK [first_run], 0x11111111, "code before the change"
	CHECK eax, 0x22222222, "the changed code runs after the store"

	; A loop that rewrites its own body.
	mov ecx, 3
	xor ebx, ebx
.loop:
.add:	add ebx, 1
	mov byte [.add + 2], 10            ; becomes ADD EBX, 10
	loop .loop
	CHECK ebx, 21, "a loop body rewritten by its first iteration: 1 + 10 + 10"

	; Code written through an alias mapping of the same frame.
	call paging_on
	mov eax, [PTE_CODE]
	and eax, ~0xFFF
	or eax, 7
	mov [PTE_ALIAS], eax
	invlpg [ALIAS]
	mov byte [CODE], 0xB8              ; MOV EAX, imm32
	mov dword [CODE + 1], 0x11111111
	mov byte [CODE + 5], 0xC3          ; RET
	call CODE
	CHECK eax, 0x11111111, "generated code runs"
	mov dword [ALIAS + 1], 0x33333333
	call CODE
	CHECK eax, 0x33333333, "a store through an alias changes the code"
	mov byte [CODE + 0x100], 0xB8
	mov dword [CODE + 0x101], 0x55555555
	mov byte [CODE + 0x105], 0xC3
	mov byte [CODE + 0x2100], 0xB8
	mov dword [CODE + 0x2101], 0x66666666
	mov byte [CODE + 0x2105], 0xC3
	call CODE + 0x100
	CHECK eax, 0x55555555, "code at a page about to be remapped"
	mov esi, [PTE_CODE]
	lea eax, [esi + 0x2000]
	mov [PTE_CODE], eax
	invlpg [CODE + 0x345]
	call CODE + 0x100
	CHECK eax, 0x66666666, "INVLPG of a remapped code page: the new frame's code runs"
	mov [PTE_CODE], esi
	mov eax, cr3
	mov cr3, eax
	call CODE + 0x100
	CHECK eax, 0x55555555, "a CR3 load after remapping a non-global code page back"
	lea eax, [esi + 0x2000]
	mov [PTE_CODE], eax
	invlpg [CODE]
	call CODE + 0x100
	CHECK eax, 0x66666666, "INVLPG of the page itself then takes the new frame"
	mov [PTE_CODE], esi
	invlpg [CODE]

	; An instruction across a page boundary, then with the second page
	; not present: #PF for the second page, EIP at the instruction.
	mov byte [CODE + 0xFFE], 0xB8      ; MOV EAX, imm32: B8 | xx xx xx xx
	mov dword [CODE + 0xFFF], 0x44444444
	mov byte [CODE + 0x1003], 0xC3
	call CODE + 0xFFE
	CHECK eax, 0x44444444, "an instruction that straddles two pages"
	and dword [PTE_CODE + 4], ~1
	invlpg [CODE + 0x1000]
	TRY
	call CODE + 0xFFE
	ENDTRY
	or dword [PTE_CODE + 4], 1
	invlpg [CODE + 0x1000]
	EXPECT_EXC 14, 0, "#PF fetching the second half of a straddling instruction"
	CHECK [exc_cr2], CODE + 0x1000, "CR2 is the start of the second page"
	CHECK [exc_eip], CODE + 0xFFE, "EIP is the start of the instruction"
	call paging_off

	; 15 bytes is the longest instruction (SDM vol. 2, 2.1): 14 prefixes
	; and NOP run, 15 prefixes and NOP raise #GP(0).
	TRY
	times 14 db 0x66
	nop
	ENDTRY
	CHECK [exc_vector], NO_VECTOR, "a 15-byte instruction runs"
	TRY
.long:	times 15 db 0x66
	nop
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for a 16-byte instruction"
	CHECK [exc_eip], .long, "#GP for a 16-byte instruction: EIP at its start"
	ret

patched:
	mov eax, 0x11111111
	ret

section .data
first_run: dd 0
