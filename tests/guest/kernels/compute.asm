; compute.asm - small whole programs whose results are facts of
; mathematics, not of any CPU model: a prime sieve, recursive Fibonacci,
; table-driven CRC-32, an insertion sort, and 64-bit arithmetic from 32-bit
; pieces. They exercise many instructions together (and give the later
; engines loops, calls and self-contained hot code).
%include "lib.inc"

SIEVE_N equ 100000
BUF_N   equ 65536
SORT_N  equ 4096
; For the LCG bytes (x = x * 1103515245 + 12345 from 12345, byte = bits
; 23:16), computed with Python's zlib.crc32 and sorted():
CRC_BUF  equ 0x0AB738C9                ; CRC-32 of the 65536 bytes
SORT_SUM equ 0x554F1FB8                ; sum(i * sorted(first 4096)[i]) mod 2^32

section .text
test_main:
	; Sieve of Eratosthenes: 9592 primes below 100000.
	mov edi, sieve
	mov ecx, SIEVE_N
	mov al, 1
	rep stosb
	mov byte [sieve], 0
	mov byte [sieve + 1], 0
	mov ebx, 2
.outer:
	mov eax, ebx
	mul ebx
	cmp eax, SIEVE_N
	jae .count
	cmp byte [sieve + ebx], 0
	je .next
.mark:	mov byte [sieve + eax], 0
	add eax, ebx
	cmp eax, SIEVE_N
	jb .mark
.next:	inc ebx
	jmp .outer
.count:
	xor eax, eax
	xor ecx, ecx
.cnt:	movzx edx, byte [sieve + ecx]
	add eax, edx
	inc ecx
	cmp ecx, SIEVE_N
	jb .cnt
	CHECK eax, 9592, "sieve: 9592 primes below 100000"

	; Recursive Fibonacci: fib(25) = 75025.
	push dword 25
	call fib
	add esp, 4
	CHECK eax, 75025, "recursive fib(25)"

	; CRC-32 (IEEE, reflected, table-driven).
	call crc_table
	mov esi, check_str
	mov ecx, 9
	call crc32
	CHECK eax, 0xCBF43926, "CRC-32 of '123456789' (the standard check value)"
	mov edi, buf                       ; bytes of an LCG: x = x*1103515245+12345
	mov ecx, BUF_N
	mov eax, 12345
.lcg:	imul eax, eax, 1103515245
	add eax, 12345
	mov edx, eax
	shr edx, 16
	mov [edi], dl
	inc edi
	loop .lcg
	mov esi, buf
	mov ecx, BUF_N
	call crc32
	CHECK eax, CRC_BUF, "CRC-32 of 64 KiB of LCG bytes"

	; Insertion sort of the first 4096 bytes, then sum(i * a[i]).
	mov ecx, 1
.isort:
	movzx eax, byte [buf + ecx]
	mov edx, ecx
.shift:	test edx, edx
	jz .place
	cmp [buf + edx - 1], al
	jbe .place
	mov bl, [buf + edx - 1]
	mov [buf + edx], bl
	dec edx
	jmp .shift
.place:	mov [buf + edx], al
	inc ecx
	cmp ecx, SORT_N
	jb .isort
	xor esi, esi
	xor ecx, ecx
.weigh:	movzx eax, byte [buf + ecx]
	imul eax, ecx
	add esi, eax
	inc ecx
	cmp ecx, SORT_N
	jb .weigh
	CHECK esi, SORT_SUM, "insertion sort: sum of i * a[i]"

	; 64-bit: (2^32 - 1)^2 = 0xFFFFFFFE00000001 with MUL; a 64-bit add with
	; ADC; a 64-bit shift with SHLD.
	mov eax, 0xFFFFFFFF
	mul eax
	CHECK edx, 0xFFFFFFFE, "MUL (2^32-1)^2: high"
	CHECK eax, 1, "MUL (2^32-1)^2: low"
	mov eax, 0xFFFFFFFF
	mov edx, 0x7FFFFFFF
	add eax, 1
	adc edx, 0
	CHECK edx, 0x80000000, "64-bit ADD/ADC carries into the high half"
	mov eax, 0x89ABCDEF
	mov edx, 0x01234567
	shld edx, eax, 8
	shl eax, 8
	CHECK edx, 0x23456789, "64-bit SHLD/SHL by 8: high"
	CHECK eax, 0xABCDEF00, "64-bit SHLD/SHL by 8: low"
	ret

; fib(n): recursive, cdecl.
fib:
	mov eax, [esp + 4]
	cmp eax, 2
	jb .done
	push ebx
	dec eax
	push eax
	call fib
	mov ebx, eax
	pop eax
	dec eax
	push eax
	call fib
	add esp, 4
	add eax, ebx
	pop ebx
.done:	ret

; crc_table: the 256 entries for polynomial 0xEDB88320.
crc_table:
	xor ecx, ecx
.entry:	mov eax, ecx
	mov edx, 8
.bit:	shr eax, 1
	jnc .nopoly
	xor eax, 0xEDB88320
.nopoly:
	dec edx
	jnz .bit
	mov [crc_tab + ecx * 4], eax
	inc ecx
	cmp ecx, 256
	jb .entry
	ret

; crc32: ESI = data, ECX = length -> EAX.
crc32:
	mov eax, 0xFFFFFFFF
.byte:	movzx edx, byte [esi]
	xor dl, al
	shr eax, 8
	xor eax, [crc_tab + edx * 4]
	inc esi
	loop .byte
	not eax
	ret

section .rodata
check_str: db "123456789"

section .bss
alignb 4
crc_tab: resd 256
sieve: resb SIEVE_N
buf: resb BUF_N
