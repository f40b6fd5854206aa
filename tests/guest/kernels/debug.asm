; debug.asm - debug registers: instruction, data-write, data-read/write and
; I/O breakpoints with their DR6 bits and fault/trap EIPs, RF to resume past
; an instruction breakpoint, general detect (DR7.GD), DR4/DR5 with CR4.DE,
; MOV DR at CPL 3, and single-stepping over MOV SS (SDM vol. 3, 6.8.3,
; 17.2 and 17.3).
%include "lib.inc"

L0 equ 1
L1 equ 4
L2 equ 0x10
RW_WRITE1 equ 1 << 20
LEN4_1    equ 3 << 22
RW_IO2    equ 2 << 24
RW_RDWR1  equ 3 << 20
GD        equ 1 << 13

; DEBUG dr7: clears DR6 and loads DR7.
%macro DEBUG 1
	xor eax, eax
	mov dr6, eax
	mov eax, %1
	mov dr7, eax
%endmacro
; DEBUG_OFF: clears DR7 (DR6 keeps what the last #DB reported).
%macro DEBUG_OFF 0
	xor eax, eax
	mov dr7, eax
%endmacro
; DR6_BITS expected, "what": checks DR6 bits 0-3 and 13 (B0-B3, BD).
%macro DR6_BITS 2
	mov eax, dr6
	and eax, 0x200F
	CHECK eax, %1, %2
%endmacro

section .text
test_main:
	; Instruction breakpoint: a fault before the instruction executes.
	mov eax, .target
	mov dr0, eax
	DEBUG L0
	TRY
	mov ebx, 0
.target:
	mov ebx, 0x42
	ENDTRY
	DEBUG_OFF
	EXPECT_EXC 1, NO_ERROR, "#DB for an instruction breakpoint"
	CHECK [exc_eip], .target, "instruction breakpoint is a fault: EIP of the instruction"
	CHECK ebx, 0, "the instruction did not execute"
	mov eax, dr6
	and eax, 0xF
	CHECK eax, 1, "DR6.B0 set"

	; RF set in the handler's frame lets the instruction run once.
	push dword GATE_INT32
	push dword SEL_CODE0
	push dword db_set_rf
	push dword 1
	call idt_set
	add esp, 16
	mov dword [rf_count], 0
	DEBUG L0
	mov ebx, 0
	call .target2
	DEBUG_OFF
	CHECK [rf_count], 1, "one #DB, then RF resumes past the breakpoint"
	CHECK ebx, 0x43, "the instruction executed after the resume"
	CHECK [rf_frame_eflags], 0, "RF is clear in the pushed EFLAGS of the first #DB"
	push dword GATE_INT32
	push dword SEL_CODE0
	push dword [exc_stubs + 1 * 4]
	push dword 1
	call idt_set
	add esp, 16

	; Data write breakpoint: a trap after the write.
	mov eax, watched
	mov dr1, eax
	DEBUG L1 | RW_WRITE1 | LEN4_1
	call exc_reset
	mov eax, [watched]                 ; a read does not trigger RW=01
	CHECK [exc_vector], NO_VECTOR, "no #DB for a read with a write breakpoint"
	mov dword [watched], 7
.after_write:
	DEBUG_OFF
	CHECK [exc_vector], 1, "#DB for a write breakpoint"
	CHECK [exc_eip], .after_write, "data breakpoint is a trap: EIP after the write"
	CHECK [watched], 7, "the write was done"
	DR6_BITS 2, "DR6.B1 set for the write breakpoint"
	DEBUG L1 | RW_RDWR1 | LEN4_1
	call exc_reset
	mov byte [watched + 3], 1          ; inside the 4-byte range
	DEBUG_OFF
	CHECK [exc_vector], 1, "#DB for a byte write inside a 4-byte RW=11 range"
	DEBUG L1 | RW_RDWR1 | LEN4_1
	call exc_reset
	mov eax, [watched]
	DEBUG_OFF
	CHECK [exc_vector], 1, "#DB for a read with RW=11"
	DEBUG L1 | RW_RDWR1 | LEN4_1
	call exc_reset
	mov eax, [watched + 4]
	DEBUG_OFF
	CHECK [exc_vector], NO_VECTOR, "no #DB for a read just past the range"

	; I/O breakpoint (CR4.DE=1, RW=10).
	mov eax, cr4
	or eax, 8
	mov cr4, eax
	mov eax, 0x80
	mov dr2, eax
	DEBUG L2 | RW_IO2
	call exc_reset
	xor eax, eax
	out 0x80, al
.after_out:
	DEBUG_OFF
	CHECK [exc_vector], 1, "#DB for an I/O breakpoint on port 0x80"
	CHECK [exc_eip], .after_out, "I/O breakpoint is a trap"
	DR6_BITS 4, "DR6.B2 set for the I/O breakpoint"

	; DR4/DR5 are reserved with CR4.DE=1, aliases of DR6/DR7 without.
	TRY
	mov eax, dr4
	ENDTRY
	EXPECT_EXC 6, NO_ERROR, "#UD for MOV from DR4 with CR4.DE=1"
	mov eax, cr4
	and eax, ~8
	mov cr4, eax
	DEBUG L1
	mov eax, dr5
	mov ebx, eax
	DEBUG_OFF
	and ebx, 0xFF
	CHECK ebx, L1, "DR5 reads DR7 with CR4.DE=0"

	; General detect: the next MOV DR faults with DR6.BD, and GD clears.
	DEBUG GD
	TRY
.movdr:	mov eax, dr0
	ENDTRY
	EXPECT_EXC 1, NO_ERROR, "#DB for MOV DR with DR7.GD set"
	CHECK [exc_eip], .movdr, "general detect is a fault"
	DR6_BITS 0x2000, "DR6.BD set"
	mov eax, dr7
	and eax, GD
	CHECK eax, 0, "entering the #DB handler cleared DR7.GD"

	TRY
	RING3 r3_movdr, 2
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for MOV DR at CPL 3"

	; Single step over MOV SS: no trap right after MOV SS, the next one
	; comes after the following instruction (SDM 6.8.3).
	push dword GATE_INT32
	push dword SEL_CODE0
	push dword db_log
	push dword 1
	call idt_set
	add esp, 16
	mov dword [log_count], 0
	mov ax, ss
	pushfd
	or dword [esp], 0x100
	popfd
	nop
.ss1:	mov ss, ax
	nop
.ss2:	pushfd
.ss3:	and dword [esp], ~0x100
	popfd
	CHECK [log_count], 5, "single steps around MOV SS: 5 traps"
	CHECK [log_eip], .ss1, "first trap after the NOP"
	CHECK [log_eip + 4], .ss2, "no trap after MOV SS: the next is after the NOP"
	CHECK [log_eip + 8], .ss3, "then after PUSHFD"
	push dword GATE_INT32
	push dword SEL_CODE0
	push dword [exc_stubs + 1 * 4]
	push dword 1
	call idt_set
	add esp, 16
	ret

.target2:
	mov ebx, 0
	mov eax, .target2_insn
	mov dr0, eax
.target2_insn:
	mov ebx, 0x43
	ret

; #DB handler for the RF test: count, and resume with RF set.
db_set_rf:
	inc dword [rf_count]
	cmp dword [rf_count], 1
	jne .out
	mov eax, [esp + 8]
	and eax, 0x10000
	mov [rf_frame_eflags], eax
.out:
	or dword [esp + 8], 0x10000
	iretd

r3_movdr:
	mov eax, dr7
	int VEC_RING0

; #DB handler that logs the pushed EIPs of single steps.
db_log:
	push eax
	push ebx
	mov ebx, [log_count]
	mov eax, [esp + 8]
	cmp ebx, 8
	jae .full
	mov [log_eip + ebx * 4], eax
.full:
	inc dword [log_count]
	pop ebx
	pop eax
	iretd

section .data
align 4
watched: dd 0, 0
rf_count: dd 0
log_count: dd 0
log_eip: times 8 dd 0
rf_frame_eflags: dd 0xFFFF
