; report.asm - COM1 output (serial.inc), the numbered check lines, and the exit through
; isa-debug-exit (port 0xf4: the emulator exits with status (value<<1)|1).
bits 32
%include "defs.inc"

global serial_init, putc, puts, puthex, putdec, put_nl
global check_eq, check_note, exit_guest

DEBUG_EXIT equ 0xF4

section .text
%include "serial.inc"

; check_eq(got, expected, description): prints "ok N - description" or
; "not ok N - description: got G expected E". Preserves registers and flags.
check_eq:
	pushfd
	pushad
	mov ebp, esp
	push ds
	push es
	mov ax, SEL_DATA0
	mov ds, ax
	mov es, ax
	inc dword [checks]
	mov eax, [ebp + 40]
	cmp eax, [ebp + 44]
	je .pass
	inc dword [failures]
	mov esi, msg_not
	call puts
.pass:
	mov esi, msg_ok
	call puts
	mov eax, [checks]
	call putdec
	mov esi, msg_dash
	call puts
	mov esi, [ebp + 48]
	call puts
	mov eax, [ebp + 40]
	cmp eax, [ebp + 44]
	je .nl
	mov esi, msg_got
	call puts
	call puthex
	mov esi, msg_expected
	call puts
	mov eax, [ebp + 44]
	call puthex
.nl:
	call put_nl
	pop es
	pop ds
	popad
	popfd
	ret

; check_note(text): prints "# text".
check_note:
	push esi
	mov esi, msg_hash
	call puts
	mov esi, [esp + 8]
	call puts
	call put_nl
	pop esi
	ret

; exit_guest(code): code 0 means "finished": the value written to the
; debug-exit port is then 0 when every check passed and 1 otherwise.
exit_guest:
	mov ax, SEL_DATA0
	mov ds, ax
	mov es, ax
	mov esi, msg_summary
	call puts
	mov eax, [checks]
	call putdec
	mov esi, msg_checks
	call puts
	mov eax, [failures]
	call putdec
	mov esi, msg_failed
	call puts
	mov eax, [esp + 4]
	test eax, eax
	jnz .out
	cmp dword [failures], 0
	je .out
	mov eax, 1
.out:
	mov dx, DEBUG_EXIT
	out dx, al
.halt:
	cli
	hlt
	jmp .halt

section .rodata
msg_not: db "not ", 0
msg_ok: db "ok ", 0
msg_dash: db " - ", 0
msg_got: db ": got ", 0
msg_expected: db " expected ", 0
msg_hash: db "# ", 0
msg_summary: db "# done: ", 0
msg_checks: db " checks, ", 0
msg_failed: db " failed", 10, 0

section .data
checks: dd 0
failures: dd 0
