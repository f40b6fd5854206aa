; string.asm - string instructions: REP MOVS/STOS/LODS, REPE CMPS, REPNE
; SCAS with their final ECX/ESI/EDI and flags, DF=1, ECX=0, a source
; segment override (the destination is always ES), and 16-bit addressing
; with CX/SI/DI (SDM vol. 2, MOVS, CMPS, SCAS, REP; vol. 1, 3.7.5).
%include "lib.inc"

SEL_BASED equ 0x40                     ; data segment with base 0x200000
BASE      equ 0x200000

section .text
test_main:
	push dword 0xC
	push dword 0x92
	push dword 0xFFFF
	push dword BASE
	push dword 8
	call gdt_set
	add esp, 20

	; REP MOVSB forward.
	mov esi, src
	mov edi, dst
	mov ecx, 11
	rep movsb
	CHECK ecx, 0, "REP MOVSB: ECX ends at 0"
	CHECK esi, src + 11, "REP MOVSB: ESI advanced"
	CHECK edi, dst + 11, "REP MOVSB: EDI advanced"
	CHECK [dst], "hell", "REP MOVSB copied the bytes"
	CHECK [dst + 8], "rld", "REP MOVSB copied the tail"

	; REP STOSD backward (DF=1).
	std
	mov edi, buf + 12
	mov ecx, 4
	mov eax, 0xA5A5A5A5
	rep stosd
	cld
	CHECK edi, buf - 4, "REP STOSD with DF=1: EDI moves down"
	CHECK [buf], 0xA5A5A5A5, "REP STOSD with DF=1 filled the lowest dword"
	CHECK [buf + 16], 0, "REP STOSD with DF=1 left the dword above"

	; ECX = 0: nothing happens.
	mov esi, src
	mov edi, buf
	xor ecx, ecx
	mov dword [buf], 0x11111111
	rep movsd
	CHECK [buf], 0x11111111, "REP MOVSD with ECX=0 copies nothing"
	CHECK esi, src, "REP with ECX=0 leaves ESI"

	; REPE CMPSB stops after the first mismatch.
	mov esi, src
	mov edi, cmp_str
	mov ecx, 11
	repe cmpsb
	pushfd
	pop eax
	and eax, 0x8D5
	CHECK ecx, 6, "REPE CMPSB: ECX after the mismatch at index 4"
	CHECK esi, src + 5, "REPE CMPSB: ESI past the mismatch"
	CHECK eax, 0x0081, "REPE CMPSB: flags of 0x6F - 0x78 (CF, SF)"

	; REPNE SCASB finds a byte.
	mov edi, src
	mov ecx, 11
	mov al, 'w'
	repne scasb
	pushfd
	pop ebx
	and ebx, 0x40
	CHECK ebx, 0x40, "REPNE SCASB stops with ZF=1"
	CHECK edi, src + 7, "REPNE SCASB: EDI past the match"
	CHECK ecx, 4, "REPNE SCASB: ECX left"
	mov edi, src
	mov ecx, 11
	mov al, 'z'
	repne scasb
	CHECK ecx, 0, "REPNE SCASB without a match runs ECX to 0"

	; LODSW.
	mov esi, src
	lodsw
	movzx eax, ax
	CHECK eax, "he", "LODSW"
	CHECK esi, src + 2, "LODSW advances ESI by 2"

	; Segment override on the source; ES stays the destination.
	mov dword [BASE + 0x100], 0xFEEDF00D
	mov ax, SEL_BASED
	mov fs, ax
	mov esi, 0x100
	mov edi, buf
	fs movsd
	CHECK [buf], 0xFEEDF00D, "FS: MOVSD reads FS:ESI"
	mov ax, SEL_BASED
	mov es, ax
	mov esi, src
	mov edi, 0x200
	ds movsd                           ; (an override cannot move ES)
	mov ax, SEL_DATA0
	mov es, ax
	mov fs, ax
	CHECK [BASE + 0x200], "hell", "MOVSD writes ES:EDI whatever the override"

	; 16-bit addressing: CX, SI and DI, wrapping SI at 64 KiB.
	mov ecx, 0xFFFF0003                ; only CX counts
	mov esi, src
	and esi, 0xFFFF
	or esi, 0x56780000                 ; ignored by 16-bit addressing
	mov ebx, src
	and ebx, 0xFFFF0000
	; (src is above 1 MiB: use a based segment so the 16-bit offsets reach it)
	push dword 0xC
	push dword 0x92
	push dword 0xFFFFF
	push dword ebx
	push dword 9
	call gdt_set
	add esp, 20
	mov ax, 0x48
	mov ds, ax
	mov es, ax
	mov edi, buf
	and edi, 0xFFFF
	or edi, 0xABCD0000
	a16 rep movsb
	mov ax, SEL_DATA0
	mov ds, ax
	mov es, ax
	CHECK ecx, 0xFFFF0000, "a16 REP MOVSB counts CX, keeps the upper ECX"
	mov eax, src
	and eax, 0xFFFF
	add eax, 3
	movzx edx, si
	CHECK edx, eax, "a16 REP MOVSB: SI advanced"
	mov eax, edi
	shr eax, 16
	CHECK eax, 0xABCD, "a16 REP MOVSB leaves the upper EDI"
	mov eax, esi
	shr eax, 16
	CHECK eax, 0x5678, "a16 REP MOVSB leaves the upper ESI"
	movzx eax, word [buf]
	CHECK eax, "he", "a16 REP MOVSB copied"

	; Overlapping forward copy: byte-by-byte semantics.
	mov dword [buf], 0x04030201
	mov dword [buf + 4], 0
	mov esi, buf
	mov edi, buf + 1
	mov ecx, 4
	rep movsb
	CHECK [buf], 0x01010101, "overlapping REP MOVSB repeats the first byte"
	CHECK [buf + 4], 0x01, "overlapping REP MOVSB: the fifth byte"
	ret

section .data
src: db "hello world", 0
cmp_str: db "hellx world", 0
align 4
dst: times 16 db 0
buf: times 32 db 0
