; exceptions.asm - every exception vector with its error code, and the EIP
; the CPU pushes: the faulting instruction for faults, the next one for
; traps (SDM vol. 3, 6.5, 6.13 and 6.15, "Exception and Interrupt Reference").
%include "lib.inc"

SEL_NP     equ 0x40   ; data segment, not present
SEL_SMALL  equ 0x48   ; data segment, limit 0xFFF
SEL_XONLY  equ 0x50   ; execute-only code segment
SEL_SHORT_TSS equ 0x58 ; TSS descriptor whose limit is below 0x67
SEL_LDT_NP equ 0x64   ; an LDT selector (TI=1, RPL 0) while LDTR is null

%macro DESC 4 ; index, base, limit, access (flags 0xC: 4 KiB granularity, 32-bit)
	push dword %4 >> 8
	push dword %4 & 0xFF
	push dword %3
	push dword %2
	push dword %1
	call gdt_set
	add esp, 20
%endmacro

section .text
test_main:
	DESC 8, 0, 0xFFFFF, 0xC12     ; P=0 data
	DESC 9, 0, 0xFFF, 0x492       ; byte granularity, 32-bit, limit 0xFFF
	DESC 10, 0, 0xFFFFF, 0xC98    ; execute-only code
	DESC 11, short_tss, 0x50, 0x089

	; #DE (fault, no error code): DIV by zero and a quotient overflow.
	TRY
	xor edx, edx
	xor ecx, ecx
.de1:	div ecx
	ENDTRY
	EXPECT_EXC 0, NO_ERROR, "#DE for DIV by zero"
	CHECK [exc_eip], .de1, "#DE pushes the EIP of DIV"
	TRY
	mov ax, 0x8000
	mov cl, 0xFF                  ; -32768 / -1 does not fit in AL
	cwd
	mov ax, 0x8000
	mov dx, 0xFFFF
	mov cx, 0xFFFF
.de2:	idiv cx
	ENDTRY
	EXPECT_EXC 0, NO_ERROR, "#DE for IDIV quotient overflow"
	CHECK [exc_eip], .de2, "#DE pushes the EIP of IDIV"

	; #DB single step (trap): TF set by POPFD takes effect after the next
	; instruction; the instruction that clears TF still traps (SDM 17.3.1.4).
	xor eax, eax
	mov dr6, eax
	call exc_reset
	pushfd
	or dword [esp], 0x100
	popfd
	nop
.db1:	nop
	pushfd
	and dword [esp], ~0x100
	popfd
.db2:
	CHECK [exc_count], 5, "#DB single steps: NOP, NOP, PUSHFD, AND, POPFD"
	CHECK [exc_vector], 1, "#DB vector"
	CHECK [exc_error], NO_ERROR, "#DB pushes no error code"
	CHECK [exc_eip], .db2, "#DB is a trap: EIP after the POPFD that cleared TF"
	mov eax, dr6
	and eax, 0x4000
	CHECK eax, 0x4000, "DR6.BS set by single step"

	; #BP and #OF (traps: EIP of the next instruction).
	call exc_reset
	int3
.bp1:
	EXPECT_EXC 3, NO_ERROR, "#BP from INT3"
	CHECK [exc_eip], .bp1, "#BP pushes the EIP after INT3"
	call exc_reset
	int 3
.bp2:
	CHECK [exc_eip], .bp2, "INT 3 (CD 03) pushes the EIP after it"
	call exc_reset
	mov al, 0x7F
	add al, 1
	into
.of1:
	EXPECT_EXC 4, NO_ERROR, "#OF from INTO with OF=1"
	CHECK [exc_eip], .of1, "#OF pushes the EIP after INTO"
	call exc_reset
	xor eax, eax
	into
	CHECK [exc_vector], NO_VECTOR, "INTO with OF=0 raises nothing"

	; #BR (fault).
	TRY
	mov eax, 11
.br1:	bound eax, [bounds]
	ENDTRY
	EXPECT_EXC 5, NO_ERROR, "#BR from BOUND above the upper bound"
	CHECK [exc_eip], .br1, "#BR pushes the EIP of BOUND"
	TRY
	mov eax, 10
	bound eax, [bounds]
	mov eax, -5
	bound eax, [bounds]           ; the bounds are signed: -5 is in [-5, 10]
	ENDTRY
	CHECK [exc_vector], NO_VECTOR, "BOUND inside the signed bounds raises nothing"

	; #UD (fault).
	TRY
.ud1:	ud2
	ENDTRY
	EXPECT_EXC 6, NO_ERROR, "#UD from UD2"
	CHECK [exc_eip], .ud1, "#UD pushes the EIP of UD2"
	TRY
.ud2:	db 0xF0, 0x01, 0xD8           ; LOCK ADD EAX, EBX: register destination
	ENDTRY
	EXPECT_EXC 6, NO_ERROR, "#UD from LOCK with a register destination"
	CHECK [exc_eip], .ud2, "#UD pushes the EIP of the LOCK prefix"
	TRY
	mov ax, cs
.ud3:	db 0x8E, 0xC8                 ; MOV CS, AX
	ENDTRY
	EXPECT_EXC 6, NO_ERROR, "#UD from MOV CS"
	CHECK [exc_eip], .ud3, "#UD pushes the EIP of MOV CS"
	TRY
.ud4:	db 0x0F, 0xFF                 ; UD0 (reserved)
	ENDTRY
	EXPECT_EXC 6, NO_ERROR, "#UD from 0F FF"

	; #NM (fault): x87 instruction with CR0.TS or CR0.EM set.
	mov eax, cr0
	or eax, 8
	mov cr0, eax
	TRY
.nm1:	fld1
	ENDTRY
	clts
	EXPECT_EXC 7, NO_ERROR, "#NM from FLD1 with CR0.TS=1"
	CHECK [exc_eip], .nm1, "#NM pushes the EIP of FLD1"
	mov eax, cr0
	or eax, 4
	mov cr0, eax
	TRY
	fld1
	ENDTRY
	mov eax, cr0
	and eax, ~4
	mov cr0, eax
	EXPECT_EXC 7, NO_ERROR, "#NM from FLD1 with CR0.EM=1"

	; #NP (fault, error code = selector).
	TRY
	mov ax, SEL_NP
.np1:	mov ds, ax
	ENDTRY
	EXPECT_EXC 11, SEL_NP, "#NP loading DS with a not-present segment"
	CHECK [exc_eip], .np1, "#NP pushes the EIP of MOV DS"
	mov byte [idt + 0x41 * 8 + 5], 0x0E ; gate 0x41 not present
	TRY
	int 0x41
	ENDTRY
	EXPECT_EXC 11, 0x41 * 8 + 2, "#NP for INT 0x41 through a not-present gate (IDT bit)"

	; #SS (fault).
	TRY
	mov ax, SEL_NP
.ss1:	mov ss, ax
	ENDTRY
	EXPECT_EXC 12, SEL_NP, "#SS loading SS with a not-present segment"
	CHECK [exc_eip], .ss1, "#SS pushes the EIP of MOV SS"

	; #GP (fault).
	TRY
	mov ax, 0x400                 ; index 128: beyond the GDT limit
	mov ds, ax
	ENDTRY
	EXPECT_EXC 13, 0x400, "#GP loading DS with a selector beyond the GDT limit"
	TRY
	mov ax, SEL_XONLY
	mov es, ax
	ENDTRY
	EXPECT_EXC 13, SEL_XONLY, "#GP loading ES with an execute-only code segment"
	TRY
	xor eax, eax
	mov ss, ax
	ENDTRY
	EXPECT_EXC 13, 0, "#GP loading SS with the null selector"
	TRY
	mov ax, SEL_CODE16
	mov ss, ax
	ENDTRY
	EXPECT_EXC 13, SEL_CODE16, "#GP loading SS with a code segment"
	TRY
	mov ax, SEL_DATA3
	mov ss, ax
	ENDTRY
	EXPECT_EXC 13, SEL_DATA3 & ~3, "#GP loading SS with RPL and DPL 3 at CPL 0"
	; (the error code's low bits are EXT and IDT, not the RPL: SDM 6.13)
	TRY
	mov ax, SEL_LDT_NP
	mov fs, ax
	ENDTRY
	EXPECT_EXC 13, SEL_LDT_NP, "#GP loading FS with an LDT selector and a null LDTR"
	TRY
	mov ax, SEL_SMALL
	mov ds, ax
	mov eax, [0xFFC]              ; the last dword inside the limit
	mov eax, [0xFFD]              ; crosses the limit
	mov ax, SEL_DATA0
	mov ds, ax
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for a dword read across a 0xFFF segment limit"
	TRY
	mov dword [cs:bounds], 0
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for a write through CS"
	TRY
	lds eax, [null_far]           ; loading the null selector is allowed,
.gp1:	mov ebx, [eax]                ; using it is not
	mov ax, SEL_DATA0
	mov ds, ax
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for a read through DS holding the null selector"
	CHECK [exc_eip], .gp1, "#GP pushes the EIP of the access, not of LDS"
	TRY
	RING3 r3_hlt, 2
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for HLT at CPL 3"
	CHECK [exc_eip], r3_hlt, "#GP from ring 3 pushes the EIP of HLT"
	CHECK [exc_cs], SEL_CODE3, "#GP from ring 3 pushes the ring-3 CS"
	TRY
	RING3 r3_cli, 2
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for CLI at CPL 3 with IOPL 0"
	TRY
	RING3 r3_int40, 2
	ENDTRY
	EXPECT_EXC 13, 0x40 * 8 + 2, "#GP for INT 0x40 from CPL 3 through a DPL-0 gate"
	TRY
	mov ecx, 0x12345              ; not a model-specific register
	rdmsr
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for RDMSR of an unknown MSR"
	TRY
	mov ax, SEL_DATA0
	mov ds, ax
	jmp SEL_SHORT_TSS:0
	ENDTRY
	EXPECT_EXC 10, SEL_SHORT_TSS, "#TS for JMP to a TSS whose limit is below 0x67"

	; #TS from IRET with NT=1 and a back link that is not a busy TSS
	; (SDM vol. 3, IRET "TASK-RETURN").
	mov dword [tss], SEL_DATA0
	TRY
	pushfd
	or dword [esp], 0x4000
	popfd
	iretd
	ENDTRY
	mov dword [tss], 0
	EXPECT_EXC 10, SEL_DATA0, "#TS for IRET with NT=1 and a back link to a data segment"

	; #AC: CR0.AM, EFLAGS.AC, CPL 3, misaligned dword (error code 0).
	mov eax, cr0
	or eax, 1 << 18
	mov cr0, eax
	TRY
	RING3 r3_misaligned, 0x40002
	ENDTRY
	EXPECT_EXC 17, 0, "#AC for a misaligned read at CPL 3"
	CHECK [exc_eip], r3_misaligned, "#AC pushes the EIP of the access"
	TRY
	pushfd
	or dword [esp], 0x40000
	popfd
	mov eax, [bounds + 1]         ; CPL 0: no alignment check
	ENDTRY
	CHECK [exc_vector], NO_VECTOR, "no #AC at CPL 0"
	mov eax, cr0
	and eax, ~(1 << 18)
	mov cr0, eax

	; #DF: #DE whose gate is not present raises #NP, contributory on
	; contributory: double fault with error code 0 (SDM vol. 3, table 6-5).
	mov byte [idt + 5], 0x0E
	TRY
	xor ecx, ecx
	div ecx
	ENDTRY
	mov byte [idt + 5], 0x8E
	EXPECT_EXC 8, 0, "#DF for #DE through a not-present gate"
	; #GP whose own gate is not present: #NP while delivering #GP, both
	; contributory: #DF.
	mov byte [idt + 13 * 8 + 5], 0x0E
	TRY
	mov ax, 0x400
	mov ds, ax
	ENDTRY
	mov byte [idt + 13 * 8 + 5], 0x8E
	EXPECT_EXC 8, 0, "#DF for #GP through a not-present gate"
	; #BP (benign) through a not-present gate: just #NP, no double fault.
	mov byte [idt + 3 * 8 + 5], 0x0E
	TRY
	int3
	ENDTRY
	mov byte [idt + 3 * 8 + 5], 0x8E
	EXPECT_EXC 11, 3 * 8 + 2, "#NP (no #DF) for INT3 through a not-present gate"
	ret

; Ring-3 snippets (entered with enter_ring3).
r3_hlt:	hlt
r3_cli:	cli
r3_int40:
	int 0x40
r3_misaligned:
	mov eax, [bounds + 1]
	int VEC_RING0

section .data
align 4
bounds:	dd -5, 10
null_far: dd 0x1000
	dw 0
align 16
short_tss: times 0x68 db 0
