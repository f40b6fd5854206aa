; realmode.asm - leave protected mode for real mode, run real-mode code:
; 16-bit addressing forms with their default segments and 64 KiB
; wrap-around, operand/address-size prefixes, IVT interrupts and an
; exception, then return to protected mode (SDM vol. 3, 9.9 and 20.1;
; vol. 2, 2.1.5 table 2-1).
%include "lib.inc"

BLOB  equ 0x7000                       ; linear address of the 16-bit code
R_CS  equ BLOB >> 4
R_SS  equ 0x0600                       ; stack and [bp] forms at 0x6000
R_DS  equ 0x0800                       ; data at 0x8000
UNREAL equ 0x200000                    ; above 1 MiB, read through FS
%define OFF(x) ((x) - rm_blob)
%define AT(x) (BLOB + OFF(x))

%macro WORD_AT 3 ; linear address, expected, description
	movzx eax, word [%1]
	CHECK eax, %2, %3
%endmacro

section .text
test_main:
	mov esi, rm_blob
	mov edi, BLOB
	mov ecx, rm_blob_end - rm_blob
	rep movsb
	mov dword [0x50 * 4], (R_CS << 16) | OFF(rm_int50)
	mov dword [0 * 4], (R_CS << 16) | OFF(rm_de)
	mov dword [0x0D * 4], (R_CS << 16) | OFF(rm_gp)
	mov dword [UNREAL], 0x600DF00D
	call go_real

	CHECK [back_in_pm], 1, "back in protected mode"
	WORD_AT AT(r_msw), 0x0010, "SMSW in real mode: PE clear (ET set)"
	WORD_AT 0x8010, 0x2222, "[bx+si] wraps at 64 KiB (0xFFF0 + 0x20 -> DS:0x10)"
	WORD_AT 0x8024, 0xA1, "[bx+si] uses DS"
	WORD_AT 0x802A, 0xA2, "[bx+di+disp8] uses DS"
	WORD_AT 0x6034, 0xA3, "[bp+si] uses SS"
	WORD_AT 0x6048, 0xA4, "[bp+di+disp8] uses SS"
	WORD_AT 0x6030, 0xA5, "[bp] (mod 01, disp8 0) uses SS"
	WORD_AT 0x8180, 0xA6, "32-bit address (67h) [ecx*2+0x100] in real mode"
	WORD_AT 0x8300, 0xA7, "[disp16] uses DS"
	WORD_AT 0x8040, 0xA8, "ES override: [es:di] with ES=DS+2 paragraphs"
	CHECK [0x8200], 0x12345678, "66h prefix: a 32-bit store in real mode"
	WORD_AT AT(r_int_ip), OFF(rm_code.after_int), "INT 0x50 pushes the next IP"
	WORD_AT AT(r_int_cs), R_CS, "INT 0x50 pushes CS"
	movzx eax, word [AT(r_int_flags)]
	and eax, 0x401
	CHECK eax, 0x401, "INT 0x50 pushes FLAGS (DF and CF set)"
	movzx eax, word [AT(r_handler_flags)]
	and eax, 0x701
	CHECK eax, 0x401, "the IVT handler runs with IF and TF clear, DF and CF kept"
	WORD_AT AT(r_int_ret), 0x5050, "IRET returns from the IVT handler"
	WORD_AT AT(r_de_ip), OFF(rm_code.div), "real-mode #DE pushes the IP of DIV"
	WORD_AT AT(r_de_cs), R_CS, "real-mode #DE pushes CS"
	WORD_AT AT(r_stack), 0x1000, "SP is back at its start after the interrupts"
	WORD_AT AT(r_far), 0x0F0F, "a far call and RETF in real mode"
	CHECK [AT(r_unreal)], 0x600DF00D, "a 4 GiB FS limit kept from protected mode (unreal mode)"
	WORD_AT AT(r_gp_ip), OFF(rm_code.gp), "interrupt 13 for a word at DS:0xFFFF, IP of the access"
	ret

; go_real: runs the real-mode code and comes back (all registers but ESP
; are clobbered).
go_real:
	mov [saved_esp], esp
	sidt [saved_idt]
	jmp SEL_CODE16:BLOB + OFF(rm_entry16)
rm_back32:
	mov ax, SEL_DATA0
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, [saved_esp]
	lidt [saved_idt]
	mov dword [back_in_pm], 1
	ret

section .data
saved_esp: dd 0
saved_idt: dw 0
	dd 0
back_in_pm: dd 0

; The 16-bit code, copied to BLOB.
bits 16
rm_blob:
rm_entry16:                            ; 16-bit protected mode, base 0
	mov ax, SEL_DATA16
	mov ds, ax
	mov es, ax
	mov gs, ax
	mov ss, ax
	mov ax, SEL_DATA0                  ; FS keeps a 4 GiB limit into real mode
	mov fs, ax
	mov eax, cr0
	and eax, ~1
	mov cr0, eax
	jmp R_CS:OFF(rm_code)
rm_code:
	mov ax, R_SS
	mov ss, ax
	mov sp, 0x1000
	mov ax, R_DS
	mov ds, ax
	mov ax, R_DS + 2
	mov es, ax
	lidt [cs:OFF(rm_ivt)]
	smsw ax
	and ax, 0x11
	mov [cs:OFF(r_msw)], ax
	mov bx, 0x20
	mov si, 4
	mov di, 8
	mov word [bx + si], 0xA1
	mov word [bx + di + 2], 0xA2
	mov bp, 0x30
	mov word [bp + si], 0xA3
	mov word [bp + di + 0x10], 0xA4
	mov word [bp], 0xA5
	mov bx, 0xFFF0
	mov si, 0x20
	mov word [bx + si], 0x2222
	mov ecx, 0x40
	mov word [ecx * 2 + 0x100], 0xA6
	mov word [0x300], 0xA7
	mov di, 0x20
	mov word [es:di], 0xA8
	mov eax, 0x12345678
	mov [0x200], eax
	std
	stc
	int 0x50
.after_int:
	cld
	mov [cs:OFF(r_int_ret)], ax
	xor dx, dx
	xor cx, cx
.div:	div cx
.de_resume:
	mov [cs:OFF(r_stack)], sp
	call R_CS:OFF(rm_far)
	mov [cs:OFF(r_far)], ax
	; FS still holds the 4 GiB limit it had in protected mode: a 32-bit
	; offset works ("unreal" mode: real-mode loads change only the base).
	mov ebx, UNREAL
	mov eax, [fs:ebx]
	mov [cs:OFF(r_unreal)], eax
	; A word at DS:0xFFFF crosses the 64 KiB limit: interrupt 13.
.gp:	mov ax, [0xFFFF]
.gp_resume:
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp dword SEL_CODE0:rm_back32

rm_far:
	mov ax, 0x0F0F
	retf

rm_int50:
	push bp
	mov bp, sp
	mov ax, [bp + 2]
	mov [cs:OFF(r_int_ip)], ax
	mov ax, [bp + 4]
	mov [cs:OFF(r_int_cs)], ax
	mov ax, [bp + 6]
	mov [cs:OFF(r_int_flags)], ax
	pushf
	pop ax
	mov [cs:OFF(r_handler_flags)], ax
	mov ax, 0x5050
	pop bp
	iret

rm_de:
	push bp
	mov bp, sp
	mov ax, [bp + 2]
	mov [cs:OFF(r_de_ip)], ax
	mov ax, [bp + 4]
	mov [cs:OFF(r_de_cs)], ax
	mov word [bp + 2], OFF(rm_code.de_resume)
	pop bp
	iret

rm_gp:
	push bp
	mov bp, sp
	mov ax, [bp + 2]
	mov [cs:OFF(r_gp_ip)], ax
	mov word [bp + 2], OFF(rm_code.gp_resume)
	pop bp
	iret

align 4
rm_ivt: dw 0x3FF
	dd 0
r_msw: dw 0xFFFF
r_int_ip: dw 0
r_int_cs: dw 0
r_int_flags: dw 0
r_handler_flags: dw 0
r_int_ret: dw 0
r_de_ip: dw 0
r_de_cs: dw 0
r_stack: dw 0
r_far: dw 0
r_gp_ip: dw 0
align 4
r_unreal: dd 0
rm_blob_end:
bits 32
