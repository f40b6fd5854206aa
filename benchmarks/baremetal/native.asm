; native.asm - the bare-metal benchmarks' loops as a static i386 Linux
; program, the native reference: `baremetal-native "KIND N"` runs the loop
; of loops.inc that the guest kernel runs and prints the same result line.
; Only the unprivileged kinds (mov, compute) can run at user level.
bits 32

SYS_EXIT  equ 1
SYS_WRITE equ 4

section .text
global _start
_start:
	mov esi, no_command
	cmp dword [esp], 2                ; argc
	jb .run
	mov esi, [esp + 8]                ; argv[1]
.run:
	call loops_run
	setc bl
	movzx ebx, bl
	mov eax, SYS_EXIT
	int 0x80

; putc: AL into the line buffer, written to stdout at each newline.
putc:
	pushad
	mov edi, [line_len]
	mov [line + edi], al
	inc edi
	cmp al, 10
	je .flush
	cmp edi, LINE_MAX
	jb .keep
.flush:
	mov eax, SYS_WRITE
	mov ebx, 1
	mov ecx, line
	mov edx, edi
	int 0x80
	xor edi, edi
.keep:
	mov [line_len], edi
	popad
	ret

no_command: db 0

%include "loops.inc"

LINE_MAX equ 128

section .bss
alignb 4096
loop_buffer: resd WORDS
line: resb LINE_MAX
line_len: resd 1
