; paging.asm - identity-mapped 4 KiB paging of the first 16 MiB for the tests
; (every PTE present, writable, user); tests edit the entries they need.
bits 32
%include "defs.inc"

global paging_on, paging_off, page_dir, page_tables

PT_COUNT equ 4
PTE_PWU equ 0x7                       ; present, writable, user

section .text
; paging_on(): rebuilds the page tables, loads CR3, sets CR0.PG.
paging_on:
	pushad
	mov edi, page_dir
	mov ecx, 1024
	xor eax, eax
	rep stosd
	xor ebx, ebx
.pde:
	mov eax, ebx
	shl eax, 12
	add eax, page_tables + PTE_PWU
	mov [page_dir + ebx * 4], eax
	inc ebx
	cmp ebx, PT_COUNT
	jb .pde
	mov edi, page_tables
	mov eax, PTE_PWU
	mov ecx, PT_COUNT * 1024
.pte:
	stosd
	add eax, 0x1000
	loop .pte
	mov eax, page_dir
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	jmp .flush
.flush:
	popad
	ret

; paging_off(): clears CR0.PG (the code runs identity-mapped, so it goes on).
paging_off:
	push eax
	mov eax, cr0
	and eax, 0x7FFFFFFF
	mov cr0, eax
	pop eax
	ret

section .bss
alignb 4096
page_dir: resd 1024
page_tables: resd 1024 * PT_COUNT
