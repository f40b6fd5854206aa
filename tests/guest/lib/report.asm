; report.asm - COM1 output, the numbered check lines, and the exit through
; isa-debug-exit (port 0xf4: the emulator exits with status (value<<1)|1).
bits 32
%include "defs.inc"

global serial_init, putc, puts, puthex, putdec, put_nl
global check_eq, check_note, exit_guest

COM1 equ 0x3F8
DEBUG_EXIT equ 0xF4

section .text
; 16550A: 115200 8N1, FIFOs on (the divisor does not matter to emulators).
serial_init:
	mov dx, COM1 + 1
	xor al, al
	out dx, al                        ; no interrupts
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al                        ; DLAB
	mov dx, COM1
	mov al, 1
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al                        ; 8N1, DLAB off
	mov dx, COM1 + 2
	mov al, 0x07
	out dx, al
	mov al, 10                        ; start on a fresh line after firmware output
	call putc
	ret

; putc: writes AL once the transmitter holding register is empty.
putc:
	push edx
	push eax
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	pop eax
	mov dx, COM1
	out dx, al
	pop edx
	ret

; puts: writes the NUL-terminated string at ESI.
puts:
	push eax
	push esi
.next:
	lodsb
	test al, al
	jz .done
	call putc
	jmp .next
.done:
	pop esi
	pop eax
	ret

put_nl:
	push eax
	mov al, 10
	call putc
	pop eax
	ret

; puthex: writes EAX as 0x followed by 8 hex digits.
puthex:
	pushad
	mov edx, eax
	mov al, '0'
	call putc
	mov al, 'x'
	call putc
	mov ecx, 8
.digit:
	rol edx, 4
	mov eax, edx
	and eax, 15
	mov al, [hexdigits + eax]
	call putc
	loop .digit
	popad
	ret

; putdec: writes EAX in decimal.
putdec:
	pushad
	mov ecx, 10
	xor ebx, ebx
.div:
	xor edx, edx
	div ecx
	push edx
	inc ebx
	test eax, eax
	jnz .div
.out:
	pop eax
	add al, '0'
	call putc
	dec ebx
	jnz .out
	popad
	ret

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
hexdigits: db "0123456789ABCDEF"
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
