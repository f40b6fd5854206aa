; code16.asm - 16-bit protected-mode code: a far call from 32-bit code into
; a 16-bit code segment (D=0), 16-bit default operand size for PUSH, CALL
; and RET on a 32-bit stack, operand-size prefixes, a 16-bit interrupt gate
; (6-byte frame), an exception from 16-bit code through a 32-bit gate, and
; O32 RETF back, and 16-bit addressing in 32-bit code (SDM vol. 3,
; 21.1-21.3; vol. 2, 2.1.5).
%include "lib.inc"

BLOB equ 0x7000                        ; below 64 KiB: SEL_CODE16 reaches it
%define OFF(x) ((x) - c16_blob)
%define AT(x) (BLOB + OFF(x))

section .text
test_main:
	mov esi, c16_blob
	mov edi, BLOB
	mov ecx, c16_blob_end - c16_blob
	rep movsb
	push dword 0x86                    ; present, DPL 0, 16-bit interrupt gate
	push dword SEL_CODE16
	push dword BLOB + OFF(int44_16)
	push dword 0x44
	call idt_set
	add esp, 16

	mov [saved_esp], esp
	call SEL_CODE16:BLOB + OFF(entry16)
	mov ebx, esp
	CHECK ebx, [saved_esp], "O32 RETF from 16-bit code returns to the 32-bit caller"
	CHECK eax, 0x12345678, "66h MOV EAX, imm32 in 16-bit code"
	movzx eax, word [AT(r_push)]
	CHECK eax, 2, "PUSH AX in 16-bit code moves ESP by 2"
	movzx eax, word [AT(r_call)]
	CHECK eax, 2, "near CALL in 16-bit code pushes 2 bytes"
	movzx eax, word [AT(r_push32)]
	CHECK eax, 4, "66h PUSH EAX in 16-bit code moves ESP by 4"
	movzx eax, word [AT(r_gate)]
	CHECK eax, 6, "a 16-bit interrupt gate pushes FLAGS, CS, IP (6 bytes)"
	movzx eax, word [AT(r_gate_ip)]
	CHECK eax, BLOB + OFF(entry16.after_int), "the 16-bit gate pushes the 16-bit IP"
	movzx eax, word [AT(r_gate_cs)]
	CHECK eax, SEL_CODE16, "the 16-bit gate pushes CS"
	movzx eax, word [AT(r_sum)]
	CHECK eax, 0x0003, "16-bit ADD in 16-bit code wraps AX"
	movzx eax, word [AT(r_flags)]
	and eax, 0x8C5
	CHECK eax, 0x0005, "16-bit ADD 0xFFFF + 4: CF and PF, no OF, SF, ZF"

	TRY
	call SEL_CODE16:BLOB + OFF(fault16)
	ENDTRY
	EXPECT_EXC 6, NO_ERROR, "#UD in 16-bit code through a 32-bit gate"
	CHECK [exc_eip], BLOB + OFF(fault16), "the pushed EIP is the 16-bit offset"
	CHECK [exc_cs], SEL_CODE16, "the pushed CS is the 16-bit code segment"

	; 16-bit addressing (67h) in 32-bit code: the offset wraps at 64 KiB
	; and [bp+...] uses SS.
	mov dword [0x7F00], 0xA16A16
	mov ebx, 0x12347000                ; only BX counts
	mov esi, 0xFFFF0F00
	a16 mov eax, [bx + si]
	CHECK eax, 0xA16A16, "67h [BX+SI] in 32-bit code uses BX+SI mod 64 KiB"
	mov ebx, 0xFFF0
	mov esi, 0x7F10
	a16 mov eax, [bx + si]
	CHECK eax, 0xA16A16, "67h [BX+SI]: 0xFFF0 + 0x7F10 wraps to 0x7F00"
	ret

section .data
saved_esp: dd 0

bits 16
c16_blob:
entry16:
	mov [OFF(r_push) + BLOB], sp       ; (DS is flat: offsets are linear)
	push ax
	mov bx, sp
	pop ax
	sub [OFF(r_push) + BLOB], bx
	mov [OFF(r_call) + BLOB], sp
	call .near
	mov [OFF(r_push32) + BLOB], sp
	push eax
	mov bx, sp
	pop eax
	sub [OFF(r_push32) + BLOB], bx
	mov [OFF(r_gate) + BLOB], sp
	int 0x44
.after_int:
	mov ax, 0xFFFF
	add ax, 4
	pushf
	pop word [OFF(r_flags) + BLOB]
	mov [OFF(r_sum) + BLOB], ax
	mov eax, 0x12345678
	o32 retf
.near:
	mov bx, sp
	sub [OFF(r_call) + BLOB], bx
	ret
fault16:
	ud2
int44_16:                              ; (SS is 32-bit: address it with ESP)
	mov bx, sp
	sub [OFF(r_gate) + BLOB], bx
	mov bx, [esp]
	mov [OFF(r_gate_ip) + BLOB], bx
	mov bx, [esp + 2]
	mov [OFF(r_gate_cs) + BLOB], bx
	iret
align 2
r_push: dw 0
r_call: dw 0
r_push32: dw 0
r_gate: dw 0
r_gate_ip: dw 0
r_gate_cs: dw 0
r_sum: dw 0
r_flags: dw 0
c16_blob_end:
bits 32
