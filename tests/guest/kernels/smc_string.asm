; smc_string.asm - code that has run and is then overwritten by string
; instructions (REP STOSB, REP MOVSD, a REP STOSB over the instruction that
; follows it) and by a loop whose data shares a 64-byte granule with its
; own code: each change must be seen by the next execution, as on a P6
; (SDM vol. 3, 8.1.3). Guards the decode cache's write protection.
%include "lib.inc"

section .text
test_main:
	cld
	; REP STOSB replaces a MOV that has run by NOPs.
	xor ebx, ebx
.stos_again:
	mov eax, 0x55
	call stos_target
	cmp ebx, 1
	je .stos_second
	mov [first_run], eax
	mov edi, stos_target
	mov ecx, 5
	mov al, 0x90
	rep stosb
	inc ebx
	jmp .stos_again
.stos_second:
	CHECK [first_run], 0x11111111, "the MOV ran before REP STOSB"
	CHECK eax, 0x55, "REP STOSB turned the MOV into NOPs"

	; REP MOVSD copies other code over code that has run.
	call movs_target
	mov [first_run], eax
	mov esi, movs_source
	mov edi, movs_target
	mov ecx, 2
	rep movsd
	call movs_target
	CHECK [first_run], 0x22222222, "the old code ran before REP MOVSD"
	CHECK eax, 0x33333333, "REP MOVSD replaced the code"

	; A REP STOSB that overwrites the instruction right after it: a first
	; pass with ECX = 0 runs that instruction, the second pass must not.
	xor ebx, ebx
.next_again:
	mov edx, 0x77
	mov edi, .next
	mov ecx, ebx
	mov al, 0x90
	rep stosb
.next:	mov edx, 0x12345678
	cmp ebx, 5
	je .next_second
	mov [first_run], edx
	mov ebx, 5
	jmp .next_again
.next_second:
	CHECK [first_run], 0x12345678, "the instruction after REP STOSB ran"
	CHECK edx, 0x77, "REP STOSB overwrote the next instruction"

	; Data in the same 64-byte granule as a running loop.
	call granule_loop
	CHECK eax, 100, "a loop that writes next to its own code"
	ret

stos_target:
	mov eax, 0x11111111
	ret

movs_target:
	mov eax, 0x22222222
	ret
	nop
	nop
movs_source:
	mov eax, 0x33333333
	ret
	nop
	nop

align 64
granule_loop:
	mov dword [.count], 0
	mov ecx, 100
.loop:	inc dword [.count]
	loop .loop
	mov eax, [.count]
	ret
.count:	dd 0

section .data
first_run: dd 0
