; costs.asm - the bare-metal benchmark guest: runs one timed loop of
; loops.inc, chosen on the multiboot command line ("PATH KIND N"), prints
; its result line on COM1 and exits through isa-debug-exit (value 0: bt86
; exits with status 1). No Linux, so it runs under every engine,
; -accel trap included; the harness times two values of N and divides.
bits 32

MB_CMDLINE equ 1 << 2              ; info flags: cmdline valid
DEBUG_EXIT equ 0xF4

%include "multiboot.inc"
global _start
_start:
	mov esp, stack_top
	call serial_init
	mov esi, no_command
	test dword [ebx], MB_CMDLINE
	jz .run
	mov esi, [ebx + 16]
.path:                                ; the command follows the kernel's path
	lodsb
	test al, al
	jz .run
	cmp al, ' '
	jne .path
.run:
	call loops_run
	setc al                           ; 0: done, 1: bad command
	out DEBUG_EXIT, al
	cli
.halt:
	hlt
	jmp .halt

no_command: db 0

%include "serial.inc"
%include "loops.inc"

section .bss
alignb 4096
loop_buffer: resd WORDS
stack: resb 8192
stack_top:
