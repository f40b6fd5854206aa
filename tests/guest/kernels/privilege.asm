; privilege.asm - privilege transitions: IRET to ring 3, back through
; interrupt and trap gates on the TSS ring-0 stack, a call gate with
; parameter copy and RETF n to the outer level (with data segment nulling),
; conforming code (far call, interrupt gate, kept in ES on return), I/O
; permission and POPF at CPL 3, and the checks that refuse the wrong ones
; (SDM vol. 3, 5.8, 6.12; LAR/LSL/VERR/VERW in 5.10; vol. 1, 19.5).
%include "lib.inc"

SEL_GATE equ 0x43                      ; GDT 8: call gate, DPL 3, 2 parameters
SEL_CONF equ 0x48                      ; GDT 9: conforming ring-0 code
SEL_GATE_CONF equ 0x53                 ; GDT 10: call gate, no parameters

section .text
test_main:
	push dword GATE_INT32 | DPL3
	push dword SEL_CODE0
	push dword int_gate
	push dword 0x80
	call idt_set
	add esp, 16
	push dword GATE_TRAP32 | DPL3
	push dword SEL_CODE0
	push dword trap_gate
	push dword 0x81
	call idt_set
	add esp, 16
	; call gate (SDM 5.8.3): offset, selector, parameter count, type 0xC
	mov eax, gate_target
	mov [gdt + 8 * 8], ax
	shr eax, 16
	mov [gdt + 8 * 8 + 6], ax
	mov word [gdt + 8 * 8 + 2], SEL_CODE0
	mov byte [gdt + 8 * 8 + 4], 2
	mov byte [gdt + 8 * 8 + 5], 0xEC
	push dword 0xC
	push dword 0x9E                    ; conforming, readable, DPL 0
	push dword 0xFFFFF
	push dword 0
	push dword 9
	call gdt_set
	add esp, 20

	RING3 r3_cpl, 0x202
	CHECK eax, 3, "IRET to ring 3: CPL is 3"
	CHECK [r3_eflags], 0x202, "IRET to ring 3 loads EFLAGS (IF=1, IOPL 0)"

	RING3 r3_int80, 0x202
	CHECK eax, 0x80, "INT 0x80 from ring 3 returns through IRET to ring 3"
	CHECK [h_cpl], 0, "interrupt gate handler runs at CPL 0"
	CHECK [h_esp], stack0_top - 20, "the handler's stack is TSS.ESP0 minus 5 dwords"
	CHECK [h_frame + 4], SEL_CODE3, "pushed CS is the ring-3 CS"
	CHECK [h_frame + 8], 0x202, "pushed EFLAGS is the ring-3 EFLAGS"
	CHECK [h_frame + 12], ring3_stack_top - 4, "pushed ESP is the ring-3 ESP"
	CHECK [h_frame + 16], SEL_DATA3, "pushed SS is the ring-3 SS"
	CHECK [h_ss], SEL_DATA0, "SS in the handler is TSS.SS0"
	CHECK [h_if], 0, "an interrupt gate clears IF"
	CHECK [r3_after_cpl], 3, "back in ring 3 after IRET"

	RING3 r3_int81, 0x202
	CHECK [h_if], 0x200, "a trap gate leaves IF set"

	RING3 r3_callgate, 0x2
	CHECK [g_cpl], 0, "call gate target runs at CPL 0"
	CHECK [g_frame], r3_callgate.ret, "call gate pushes the return EIP"
	CHECK [g_frame + 4], SEL_CODE3, "call gate pushes the caller's CS"
	CHECK [g_frame + 8], 0xBBBB, "parameter copied: the last one pushed"
	CHECK [g_frame + 12], 0xAAAA, "parameter copied: the first one pushed"
	CHECK [g_frame + 16], ring3_stack_top - 8, "call gate pushes the caller's ESP"
	CHECK [g_frame + 20], SEL_DATA3, "call gate pushes the caller's SS"
	CHECK [g_esp], stack0_top - 24, "call gate switches to the TSS ring-0 stack"
	CHECK [r3_esp_after], ring3_stack_top, "RETF 8 releases the parameters on the outer stack"
	CHECK [r3_cs_after], SEL_CODE3, "RETF to the outer level: ring-3 CS"
	CHECK [r3_es_after], 0, "RETF to ring 3 nulls ES holding a DPL-0 data segment"
	CHECK [r3_fs_after], SEL_DATA3, "RETF to ring 3 keeps FS holding a DPL-3 segment"
	CHECK [r3_ds_after], SEL_DATA3, "RETF to ring 3 keeps DS"

	RING3 r3_conforming, 0x2
	CHECK eax, (SEL_CONF & ~3) | 3, "a far call to conforming code keeps CPL 3"

	TRY
	RING3 r3_farcall_ring0, 0x2
	ENDTRY
	EXPECT_EXC 13, SEL_CODE0, "#GP for a far call from ring 3 to DPL-0 code"

	TRY
	push dword SEL_DATA3
	push dword ring3_stack_top
	push dword 2
	push dword SEL_CODE0 | 3           ; RPL 3 but a DPL-0 code segment
	push dword r3_cpl
	iretd
	ENDTRY
	EXPECT_EXC 13, SEL_CODE0, "#GP for IRET to CS with RPL 3 and DPL 0"

	TRY
	push dword SEL_DATA0               ; SS RPL 0 while the new CPL is 3
	push dword ring3_stack_top
	push dword 2
	push dword SEL_CODE3
	push dword r3_cpl
	iretd
	ENDTRY
	EXPECT_EXC 13, SEL_DATA0, "#GP for IRET to ring 3 with a ring-0 SS"

	; LAR, LSL, VERR, VERW (SDM vol. 2).
	mov ax, SEL_CODE3
	xor ebx, ebx
	lar ebx, ax
	and ebx, 0x00F0FE00                ; bits 19:16 are undefined (SDM LAR)
	CHECK ebx, 0x00C0FA00, "LAR of the ring-3 code segment"
	; Loading CS set the descriptor's accessed bit (SDM 3.4.5.1).
	movzx eax, byte [gdt + (SEL_CODE3 >> 3) * 8 + 5]
	and eax, 1
	CHECK eax, 1, "loading CS with the ring-3 selector set its accessed bit"
	mov ax, SEL_DATA0
	lsl ebx, ax
	CHECK ebx, 0xFFFFFFFF, "LSL of a 4 GiB page-granular segment"
	mov ax, SEL_TSS
	lsl ebx, ax
	CHECK ebx, TSS_LIMIT, "LSL of the TSS"
	mov ax, 0x400
	mov ebx, 0x1234
	lsl ebx, ax
	setz al
	movzx eax, al
	CHECK eax, 0, "LSL of a selector beyond the GDT clears ZF"
	CHECK ebx, 0x1234, "LSL that fails leaves the destination"
	mov ax, SEL_CODE0
	verr ax
	setz al
	movzx eax, al
	CHECK eax, 1, "VERR of readable code sets ZF"
	mov ax, SEL_CODE0
	verw ax
	setz al
	movzx eax, al
	CHECK eax, 0, "VERW of code clears ZF"
	mov ax, SEL_DATA3
	verw ax
	setz al
	movzx eax, al
	CHECK eax, 1, "VERW of writable data sets ZF"
	RING3 r3_verr_ring0, 0x2
	CHECK eax, 0, "VERR of DPL-0 data from ring 3 clears ZF"
	mov ax, 0x0011
	mov bx, 0x0023
	arpl ax, bx
	setz cl
	movzx ecx, cl
	CHECK eax, 0x0013, "ARPL raises the RPL"
	CHECK ecx, 1, "ARPL that adjusts sets ZF"

	; I/O at CPL 3: allowed by IOPL >= CPL, else by the TSS bitmap
	; (SDM vol. 1, 19.5).
	TRY
	RING3 r3_in80, 0x2
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for IN AL,0x80 at CPL 3 with IOPL 0 and the bit set"
	and byte [tss + TSS_IOMAP + 0x80 / 8], ~1
	TRY
	RING3 r3_in80, 0x2
	ENDTRY
	CHECK [exc_vector], VEC_RING0, "IN AL,0x80 at CPL 3 when the bitmap allows it"
	TRY
	RING3 r3_in80w, 0x2
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for IN AX,0x80 when port 0x81 is denied"
	or byte [tss + TSS_IOMAP + 0x80 / 8], 1
	TRY
	RING3 r3_in80, 0x3002
	ENDTRY
	CHECK [exc_vector], VEC_RING0, "IN at CPL 3 with IOPL 3 ignores the bitmap"

	; POPFD at CPL 3 with IOPL 0 leaves IF and IOPL, without a fault;
	; with IOPL 3 it may change IF (SDM POPF).
	RING3 r3_popf, 0x2
	and eax, 0x3200
	CHECK eax, 0, "POPFD at CPL 3, IOPL 0: IF and IOPL unchanged"
	RING3 r3_popf, 0x3002
	and eax, 0x3200
	CHECK eax, 0x3200, "POPFD at CPL 3, IOPL 3: IF changes, IOPL does not"
	RING3 r3_cli, 0x3202
	and eax, 0x200
	CHECK eax, 0, "CLI at CPL 3 with IOPL 3"
	pushfd
	or dword [esp], 0x3000
	popfd
	pushfd
	pop eax
	and eax, 0x3000
	CHECK eax, 0x3000, "POPFD at CPL 0 changes IOPL"
	push dword 2
	popfd

	; A conforming code segment in ES survives RETF to ring 3 (only data
	; and non-conforming code segments more privileged than the new CPL
	; are nulled: SDM RET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL").
	mov eax, gate_target_conf
	mov [gdt + 10 * 8], ax
	shr eax, 16
	mov [gdt + 10 * 8 + 6], ax
	mov word [gdt + 10 * 8 + 2], SEL_CODE0
	mov byte [gdt + 10 * 8 + 4], 0
	mov byte [gdt + 10 * 8 + 5], 0xEC
	RING3 r3_callgate_conf, 2
	CHECK eax, SEL_CONF & ~3, "RETF to ring 3 keeps ES holding a conforming code segment"

	; An interrupt gate to conforming code: no privilege change, the
	; handler runs at CPL 3 on the ring-3 stack (SDM 6.12.1.1).
	push dword GATE_INT32 | DPL3
	push dword SEL_CONF
	push dword conf_handler
	push dword 0x83
	call idt_set
	add esp, 16
	RING3 r3_int83, 2
	CHECK [h_cpl], 3, "INT to a conforming code segment keeps CPL 3"
	CHECK [h_esp], ring3_stack_top - 12, "and stays on the ring-3 stack (3 dwords pushed)"
	ret

; Ring-3 code.
r3_cpl:
	pushfd
	pop dword [r3_eflags]
	mov eax, cs
	and eax, 3
	int VEC_RING0
r3_int80:
	push dword 0                       ; so the pushed ESP is top - 4
	int 0x80
	mov eax, cs
	and eax, 3
	mov [r3_after_cpl], eax
	add esp, 4
	mov eax, 0x80
	int VEC_RING0
r3_int81:
	push dword 0
	int 0x81
	add esp, 4
	int VEC_RING0
r3_callgate:
	push dword 0xAAAA
	push dword 0xBBBB
	call SEL_GATE:0
.ret:
	mov [r3_esp_after], esp
	mov eax, cs
	mov [r3_cs_after], eax
	mov eax, es
	mov [r3_es_after], eax
	mov eax, fs
	mov [r3_fs_after], eax
	mov eax, ds
	mov [r3_ds_after], eax
	int VEC_RING0
r3_conforming:
	call SEL_CONF:conf_target
	int VEC_RING0
r3_farcall_ring0:
	call SEL_CODE0:conf_target
	int VEC_RING0
r3_callgate_conf:
	call SEL_GATE_CONF:0
	mov eax, es
	int VEC_RING0
r3_int83:
	int 0x83
	int VEC_RING0
r3_in80:
	in al, 0x80
	int VEC_RING0
r3_in80w:
	in ax, 0x80
	int VEC_RING0
r3_popf:
	push dword 0x3202
	popfd
	pushfd
	pop eax
	int VEC_RING0
r3_cli:
	cli
	pushfd
	pop eax
	int VEC_RING0
r3_verr_ring0:
	mov ax, SEL_DATA0
	verr ax
	setz al
	movzx eax, al
	int VEC_RING0

; Ring-0 targets.
int_gate:
	mov [h_esp], esp
	push eax
	push ecx
	mov eax, cs
	and eax, 3
	mov [h_cpl], eax
	mov eax, ss
	mov [h_ss], eax
	pushfd
	pop eax
	and eax, 0x200
	mov [h_if], eax
	xor ecx, ecx
.copy:
	mov eax, [esp + 8 + ecx * 4]
	mov [h_frame + ecx * 4], eax
	inc ecx
	cmp ecx, 5
	jb .copy
	pop ecx
	pop eax
	iretd
trap_gate:
	push eax
	pushfd
	pop eax
	and eax, 0x200
	mov [h_if], eax
	pop eax
	iretd
gate_target:
	mov [g_esp], esp
	push eax
	push ecx
	mov eax, cs
	and eax, 3
	mov [g_cpl], eax
	xor ecx, ecx
.copy:
	mov eax, [esp + 8 + ecx * 4]
	mov [g_frame + ecx * 4], eax
	inc ecx
	cmp ecx, 6
	jb .copy
	mov ax, SEL_DATA0
	mov es, ax
	mov ax, SEL_DATA3
	mov fs, ax
	pop ecx
	pop eax
	retf 8
gate_target_conf:
	push eax
	mov ax, SEL_CONF
	mov es, ax
	pop eax
	retf
conf_handler:
	mov [h_esp], esp
	push eax
	mov eax, cs
	and eax, 3
	mov [h_cpl], eax
	pop eax
	iretd
conf_target:
	mov eax, cs
	retf

section .data
r3_eflags: dd 0
r3_after_cpl: dd 0
r3_esp_after: dd 0
r3_cs_after: dd 0
r3_es_after: dd 0
r3_fs_after: dd 0
r3_ds_after: dd 0
h_esp: dd 0
h_cpl: dd 0
h_ss: dd 0
h_if: dd 0
h_frame: times 5 dd 0
g_esp: dd 0
g_cpl: dd 0
g_frame: times 6 dd 0
